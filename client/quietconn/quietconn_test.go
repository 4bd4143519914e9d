package quietconn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// pair returns a quiet client connection and the plain server end of a
// real loopback TCP connection.
func pair(t *testing.T) (*Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	c, err := DialTCP(context.Background(), l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv := <-accepted
	if srv == nil {
		t.FailNow()
	}
	t.Cleanup(func() { c.Close(); srv.Close() })
	return c.(*Conn), srv
}

// Megabytes each way at once: writes larger than the socket buffers must
// wait for the peer and resume, reads see every byte in order.
func TestLargeTransfersBothWaysArriveIntact(t *testing.T) {
	c, srv := pair(t)
	up := make([]byte, 8<<20)
	down := make([]byte, 6<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range up {
		up[i] = byte(r.Uint32())
	}
	for i := range down {
		down[i] = byte(r.Uint32())
	}
	errs := make(chan error, 3)
	gotUp := make(chan []byte, 1)
	go func() { // server: read all of up while writing all of down
		go func() {
			_, err := srv.Write(down)
			errs <- err
		}()
		b, err := io.ReadAll(io.LimitReader(srv, int64(len(up))))
		errs <- err
		gotUp <- b
	}()
	go func() {
		n, err := c.Write(up)
		if err == nil && n != len(up) {
			err = io.ErrShortWrite
		}
		errs <- err
	}()
	gotDown, err := io.ReadAll(io.LimitReader(c, int64(len(down))))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(gotDown, down) || !bytes.Equal(<-gotUp, up) {
		t.Fatal("bytes changed in transit")
	}
}

func TestReadDeadlineTimesOutLikeANetConn(t *testing.T) {
	c, _ := pair(t)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	start := time.Now()
	_, err := c.Read(make([]byte, 10))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" {
		t.Fatalf("error %#v: want a *net.OpError named read", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("timed out after %v, want about 50ms", took)
	}
	// The deadline lifted, the connection still works.
	c.SetReadDeadline(time.Time{})
}

func TestReadSeesEOFWhenThePeerCloses(t *testing.T) {
	c, srv := pair(t)
	srv.Write([]byte("bye"))
	srv.Close()
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "bye" {
		t.Fatalf("read %q, %v; want bye then EOF", b, err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read after EOF: %d, %v; want 0, EOF", n, err)
	}
}

func TestCloseWakesAWaitingReadWithErrClosed(t *testing.T) {
	c, _ := pair(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read on a closed conn: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake the waiting read")
	}
}

// Writing to a peer that has gone fails with the errno (and the process
// does not die of SIGPIPE).
func TestWritingToAResetPeerFailsWithTheErrno(t *testing.T) {
	c, srv := pair(t)
	srv.(*net.TCPConn).SetLinger(0) // close with a reset
	srv.Close()
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = c.Write([]byte("hello"))
		time.Sleep(5 * time.Millisecond)
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("write to a reset peer: %v, want ECONNRESET or EPIPE", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "write" {
		t.Fatalf("error %#v: want a *net.OpError named write", err)
	}
}

func TestNewRefusesAConnWithoutAFileDescriptor(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := New(a); err == nil {
		t.Fatal("wrapped a net.Pipe, which has no file descriptor")
	}
}

func TestCloseWriteShutsTheSendingSide(t *testing.T) {
	c, srv := pair(t)
	c.Write([]byte("x"))
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(srv)
	if err != nil || string(b) != "x" {
		t.Fatalf("server read %q, %v; want x then EOF", b, err)
	}
}
