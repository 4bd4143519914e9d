package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/faultline/faultline/control"
)

// Remote logs in to nodes over SSH.
type Remote struct {
	Config Config
}

// Connect opens an SSH connection to node, retrying network failures but not
// a refused login or a bad host key, which no retry will fix.
func (r Remote) Connect(ctx context.Context, node string) (control.Conn, error) {
	c := &conn{cfg: r.Config, node: node, sem: make(chan struct{}, r.Config.maxSessions())}
	err := c.retry(ctx, []string{"(connect)"}, func(*gossh.Client) (bool, error) { return false, nil })
	if err != nil {
		return nil, err
	}
	return c, nil
}

// conn is one node's connection. The *gossh.Client is replaced when the
// transport breaks; commands in flight on the old one fail on their own.
type conn struct {
	cfg  Config
	node string
	sem  chan struct{} // bounds concurrent sessions

	mu     sync.Mutex
	cl     *gossh.Client
	closed bool
}

// client returns the live client, dialling when there is none.
func (c *conn) client(ctx context.Context) (*gossh.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("ssh connection to %s is closed", c.node)
	}
	if c.cl != nil {
		return c.cl, nil
	}
	cl, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.cl = cl
	if ka := orDuration(c.cfg.KeepAlive, 15*time.Second); ka > 0 {
		go c.keepAlive(cl, ka)
	}
	return cl, nil
}

// drop forgets cl (if it is still the current client) so the next command
// dials afresh.
func (c *conn) drop(cl *gossh.Client) {
	c.mu.Lock()
	if c.cl == cl {
		c.cl = nil
	}
	c.mu.Unlock()
	cl.Close()
}

// keepAlive pings the server so that idle connections through NATs and
// firewalls stay open, and so that a dead peer is noticed before the next
// command rather than during it.
func (c *conn) keepAlive(cl *gossh.Client, every time.Duration) {
	done := make(chan struct{})
	go func() { cl.Wait(); close(done) }()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			c.drop(cl)
			return
		case <-t.C:
			reply := make(chan error, 1)
			go func() { _, _, err := cl.SendRequest("keepalive@openssh.com", true, nil); reply <- err }()
			select {
			case err := <-reply:
				if err != nil {
					c.drop(cl)
					return
				}
			case <-time.After(every):
				c.drop(cl)
				return
			case <-done:
				c.drop(cl)
				return
			}
		}
	}
}

// permanent errors are not retried: the node said no.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

func (c *conn) dial(ctx context.Context) (*gossh.Client, error) {
	a, err := c.cfg.authMethods()
	if err != nil {
		return nil, permanent{err}
	}
	defer a.close()
	hk, files, err := c.cfg.hostKeyCallback()
	if err != nil {
		return nil, permanent{err}
	}
	addr := c.cfg.addr(c.node)
	timeout := orDuration(c.cfg.ConnectTimeout, 10*time.Second)
	d := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ssh to %s: %w", c.node, err)
	}
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	nc.SetDeadline(deadline)
	var presented gossh.PublicKey // what the node showed, for a refusal to name
	sc, chans, reqs, err := gossh.NewClientConn(nc, addr, &gossh.ClientConfig{
		User: c.cfg.user(),
		Auth: a.methods,
		HostKeyCallback: func(host string, remote net.Addr, key gossh.PublicKey) error {
			presented = key
			return hk(host, remote, key)
		},
		HostKeyAlgorithms: hostKeyAlgorithms(hk, addr),
		Timeout:           timeout,
	})
	if err != nil {
		nc.Close()
		var ke *knownhosts.KeyError
		switch {
		case errors.As(err, &ke):
			return nil, permanent{&HostKeyError{Node: c.node, Addr: addr, Files: files, Presented: presented, Err: err}}
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, permanent{&AuthError{Node: c.node, Addr: addr, User: c.cfg.user(), KeyFiles: a.keyFiles, Agent: a.agent, Password: a.password, Err: err}}
		}
		return nil, fmt.Errorf("ssh to %s (%s): %w", c.node, addr, err)
	}
	nc.SetDeadline(time.Time{})
	return gossh.NewClient(sc, chans, reqs), nil
}

// retry runs f on a live client. When f fails with a transport error before
// its command started, the client is dropped and f tried again on a fresh one,
// up to Retries more times with doubling pauses. A started command is never
// tried twice.
func (c *conn) retry(ctx context.Context, argv []string, f func(*gossh.Client) (started bool, err error)) error {
	delay := orDuration(c.cfg.RetryDelay, 200*time.Millisecond)
	var last error
	for attempt := 0; ; attempt++ {
		cl, err := c.client(ctx)
		if err == nil {
			var started bool
			started, err = f(cl)
			if err == nil || !isTransport(err) {
				return err
			}
			c.drop(cl)
			if started {
				return &TransportError{Node: c.node, Argv: argv, Started: true, Err: err}
			}
		}
		var p permanent
		if errors.As(err, &p) {
			return p.error
		}
		last = err
		if attempt >= c.cfg.retries() || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		delay *= 2
	}
	return &TransportError{Node: c.node, Argv: argv, Err: fmt.Errorf("gave up after %d tries: %w", c.cfg.retries()+1, last)}
}

// commandFailed marks errors that come from the command or the remote file
// system, not from the transport.
type commandFailed struct{ error }

func (e commandFailed) Unwrap() error { return e.error }

func isTransport(err error) bool {
	var cf commandFailed
	return !errors.As(err, &cf) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func (c *conn) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("on %s: waiting for a free ssh session: %w", c.node, ctx.Err())
	}
}

func (c *conn) release() { <-c.sem }

// Run runs cmd in a new session. Input is buffered only as far as the
// session reads it, so a retried attempt can only happen before any was read.
func (c *conn) Run(ctx context.Context, cmd control.Cmd) (control.Result, error) {
	if len(cmd.Argv) == 0 {
		return control.Result{}, fmt.Errorf("on %s: empty command", c.node)
	}
	if err := c.acquire(ctx); err != nil {
		return control.Result{}, err
	}
	defer c.release()
	var res control.Result
	script := control.Script(cmd)
	err := c.retry(ctx, cmd.Argv, func(cl *gossh.Client) (bool, error) {
		sess, err := cl.NewSession()
		if err != nil {
			return false, err
		}
		defer sess.Close()
		var stdout, stderr bytes.Buffer
		sess.Stdout, sess.Stderr = &stdout, &stderr
		if in := control.Input(cmd); in != nil {
			sess.Stdin = in
		}
		if err := sess.Start(script); err != nil {
			return false, err
		}
		done := make(chan error, 1)
		go func() { done <- sess.Wait() }()
		select {
		case err = <-done:
		case <-ctx.Done():
			// Ask the server to kill the command and stop waiting for
			// it: not every sshd honours signal requests, and the caller
			// gave up. The output gathered so far is not returned, as the
			// session's goroutines may still be writing it.
			sess.Signal(gossh.SIGKILL)
			sess.Close()
			return true, commandFailed{fmt.Errorf("on %s: %s: %w", c.node, control.Quote(cmd.Argv[0]), ctx.Err())}
		}
		res = control.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
		var ee *gossh.ExitError
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &ee):
			// A command killed by a signal reports 128+n, as a shell would.
			res.ExitCode = ee.ExitStatus()
			return true, commandFailed{&control.ExitError{Node: c.node, Argv: cmd.Argv, Result: res}}
		}
		return true, err
	})
	var cf commandFailed
	if errors.As(err, &cf) {
		err = cf.error
	}
	return res, err
}

func (c *conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.cl == nil {
		return nil
	}
	err := c.cl.Close()
	c.cl = nil
	if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
