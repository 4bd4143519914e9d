// Package netprobe lets the network nemeses' tests see a node's network as
// the node sees it: it opens real TCP connections from inside a network
// namespace (a local-cluster node's) to addresses on other nodes, many at
// once, and reports which ones were accepted within a deadline. A dropped
// SYN never gets an answer, so an unanswered connect is a blocked path.
// It needs root (setns) and is for tests only.
package netprobe

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// Connect opens one TCP connection from inside the network namespace at
// nsPath (e.g. /run/netns/<name>; "" for this process's own) to each target, all at once, and reports
// for each whether it was accepted within timeout.
func Connect(nsPath string, targets []netip.AddrPort, timeout time.Duration) ([]bool, error) {
	type result struct {
		ok  []bool
		err error
	}
	done := make(chan result, 1)
	go func() {
		// The thread enters the namespace and goes back to its own before
		// it is unlocked; if it cannot, it stays locked and so is never
		// reused by other goroutines.
		runtime.LockOSThread()
		ok, err := connectIn(nsPath, targets, timeout)
		done <- result{ok, err}
	}()
	r := <-done
	return r.ok, r.err
}

// connectIn runs connectHere inside the namespace at nsPath ("" for the
// caller's own) and returns the thread to its own namespace.
func connectIn(nsPath string, targets []netip.AddrPort, timeout time.Duration) ([]bool, error) {
	if nsPath == "" {
		defer runtime.UnlockOSThread()
		return connectHere(targets, timeout)
	}
	return inNS(nsPath, func() ([]bool, error) { return connectHere(targets, timeout) })
}

func connectHere(targets []netip.AddrPort, timeout time.Duration) ([]bool, error) {
	fds := make([]int, len(targets))
	for i := range fds {
		fds[i] = -1
	}
	defer func() {
		for _, fd := range fds {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	}()
	ok := make([]bool, len(targets))
	pending := make(map[int]int) // fd -> target index
	for i, t := range targets {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		fds[i] = fd
		sa := &unix.SockaddrInet4{Port: int(t.Port()), Addr: t.Addr().As4()}
		err = unix.Connect(fd, sa)
		switch {
		case err == nil:
			ok[i] = true
		case errors.Is(err, unix.EINPROGRESS):
			pending[fd] = i
		default:
			// Refused or unreachable at once: not accepted.
		}
	}
	deadline := time.Now().Add(timeout)
	for len(pending) > 0 {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		pfds := make([]unix.PollFd, 0, len(pending))
		for fd := range pending {
			pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLOUT})
		}
		n, err := unix.Poll(pfds, int(left/time.Millisecond)+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		for _, p := range pfds {
			if p.Revents == 0 {
				continue
			}
			i := pending[int(p.Fd)]
			delete(pending, int(p.Fd))
			soErr, err := unix.GetsockoptInt(int(p.Fd), unix.SOL_SOCKET, unix.SO_ERROR)
			ok[i] = err == nil && soErr == 0
		}
	}
	return ok, nil
}

// Listen opens a TCP listener on port inside the network namespace at
// nsPath, accepting and closing every connection at once, until the
// returned function is called. It gives the tests a listener on each node
// that keeps up with hundreds of probes (a node's sshd throttles
// unauthenticated connections, which would look like packet loss).
func Listen(nsPath string, port int) (stop func(), err error) {
	type result struct {
		l   net.Listener
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		l, err := inNS(nsPath, func() (net.Listener, error) {
			return net.Listen("tcp4", fmt.Sprintf(":%d", port))
		})
		done <- result{l, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, r.err
	}
	go func() {
		for {
			c, err := r.l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return func() { r.l.Close() }, nil
}

// inNS runs f on this (locked) thread inside the namespace at nsPath and
// brings the thread back, unlocking it only if that worked.
func inNS[T any](nsPath string, f func() (T, error)) (T, error) {
	var zero T
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return zero, err
	}
	defer home.Close()
	ns, err := os.Open(nsPath)
	if err != nil {
		return zero, err
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return zero, fmt.Errorf("entering %s: %w", nsPath, err)
	}
	out, ferr := f()
	if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	return out, ferr
}
