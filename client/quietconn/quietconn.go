// Package quietconn gives clients network connections that cost less CPU
// in a process that mostly waits.
//
// A test harness is idle most of the time: between ops it sleeps, and
// each reply wakes it for a few microseconds of work. The Go runtime treats
// every read and write on a socket as a system call that might block: it
// marks the goroutine's processor as in a syscall and, if its monitor
// thread (sysmon) is asleep because the process was idle, wakes it so it
// can take the processor back should the call block. A socket Go has put in
// non-blocking mode never blocks, so that bookkeeping buys nothing here, yet
// it costs several thread switches per wake-up. On this project's virtual
// machines that was a third of the harness's CPU at 500 etcd ops/s.
//
// A Conn does the same non-blocking reads and writes as a net.Conn, and
// waits for readiness, deadlines and Close through the same network poller
// (syscall.RawConn), but makes the read and write calls themselves as raw
// system calls that do not enter the scheduler. Everything else (timeouts,
// errors, EOF, closing while another goroutine waits) behaves as for the
// net.Conn it wraps. Clients take it through their dialer hook: gRPC's
// grpc.WithContextDialer(quietconn.DialTCP), the MySQL driver's
// RegisterDialContext.
package quietconn

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Conn is a net.Conn whose reads and writes are raw non-blocking system
// calls. It hides the wrapped connection's SyscallConn on purpose: a
// library that finds one would read the file descriptor itself, the usual
// way.
type Conn struct {
	conn net.Conn
	raw  syscall.RawConn
}

var _ net.Conn = (*Conn)(nil)

// New wraps c, a connection with a file descriptor (TCP or Unix socket).
func New(c net.Conn) (*Conn, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("quietconn: %T has no file descriptor (expected a TCP or Unix socket connection)", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("quietconn: %w", err)
	}
	return &Conn{conn: c, raw: raw}, nil
}

// Dialer dials connections and wraps them in a Conn.
type Dialer struct {
	net.Dialer
}

// DialContext dials addr on network ("tcp", "unix", ...) and wraps it.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	q, err := New(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return q, nil
}

// DialTCP dials addr over TCP: the shape of gRPC's WithContextDialer and of
// the MySQL driver's RegisterDialContext.
func DialTCP(ctx context.Context, addr string) (net.Conn, error) {
	var d Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// Read reads what is there, waiting (subject to the read deadline) until
// something is. It returns io.EOF once the peer has closed its side.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n uintptr
	var errno syscall.Errno
	err := c.raw.Read(func(fd uintptr) bool {
		for {
			n, _, errno = unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			switch errno {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait for the poller to say it is readable
			}
			return true
		}
	})
	switch {
	case err != nil:
		return 0, c.opError("read", err)
	case errno != 0:
		return 0, c.opError("read", os.NewSyscallError("read", errno))
	case n == 0:
		return 0, io.EOF
	}
	return int(n), nil
}

// Write writes all of p, waiting (subject to the write deadline) whenever
// the socket's buffer is full.
func (c *Conn) Write(p []byte) (int, error) {
	written := 0
	var errno syscall.Errno
	err := c.raw.Write(func(fd uintptr) bool {
		for written < len(p) {
			n, _, e := unix.RawSyscall(unix.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[written])), uintptr(len(p)-written))
			switch e {
			case 0:
				written += int(n)
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false // wait for the poller to say it is writable
			default:
				errno = e
				return true
			}
		}
		return true
	})
	switch {
	case err != nil:
		return written, c.opError("write", err)
	case errno != 0:
		return written, c.opError("write", os.NewSyscallError("write", errno))
	}
	return written, nil
}

// opError dresses err as the net package does (a *net.OpError named
// "read" or "write"), so callers that look for a timeout, net.ErrClosed or
// an errno find them where they would on a net.Conn.
func (c *Conn) opError(op string, err error) error {
	if oe, ok := err.(*net.OpError); ok { // from the poller, named raw-read or raw-write
		named := *oe
		named.Op = op
		return &named
	}
	return &net.OpError{Op: op, Net: c.conn.LocalAddr().Network(), Source: c.conn.LocalAddr(), Addr: c.conn.RemoteAddr(), Err: err}
}

// Close closes the connection; a Read or Write waiting on it returns.
func (c *Conn) Close() error { return c.conn.Close() }

// CloseWrite shuts the sending side down, when the wrapped connection can.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("quietconn: %T cannot close only its sending side", c.conn)
}

func (c *Conn) LocalAddr() net.Addr                { return c.conn.LocalAddr() }
func (c *Conn) RemoteAddr() net.Addr               { return c.conn.RemoteAddr() }
func (c *Conn) SetDeadline(t time.Time) error      { return c.conn.SetDeadline(t) }
func (c *Conn) SetReadDeadline(t time.Time) error  { return c.conn.SetReadDeadline(t) }
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }
