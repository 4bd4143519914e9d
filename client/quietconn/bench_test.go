package quietconn

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// echoEnv makes the test binary an echo server in a child process (see
// TestMain), so the benchmark's CPU figures count only the client side.
const echoEnv = "FAULTLINE_QUIETCONN_ECHO"

func TestMain(m *testing.M) {
	if os.Getenv(echoEnv) != "" {
		echo()
		return
	}
	os.Exit(m.Run())
}

// echo listens on loopback, prints its address, and echoes every
// connection until stdin closes.
func echo() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(l.Addr())
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go io.Copy(c, c)
		}
	}()
	io.Copy(io.Discard, os.Stdin)
}

func startEcho(b *testing.B) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), echoEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.HasPrefix(line, "error") {
		b.Fatalf("echo server: %q %v", line, err)
	}
	return strings.TrimSpace(line)
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPacedRoundTrips sends a 64-byte message and reads its echo
// every 2 ms (500 a second, the rate of the etcd suite's CPU target),
// from a reader goroutine like a client library's, and reports the CPU
// this process spends per round trip, for a Conn and for a plain net.Conn
// side by side. Run it with -benchtime 2000x.
func BenchmarkPacedRoundTrips(b *testing.B) {
	addr := startEcho(b)
	dials := map[string]func(ctx context.Context, addr string) (net.Conn, error){
		"quiet": DialTCP,
		"plain": func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	}
	for _, name := range []string{"plain", "quiet"} {
		b.Run(name, func(b *testing.B) {
			c, err := dials[name](context.Background(), addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			replies := make(chan error)
			go func() { // the reader, as in a client library
				buf := make([]byte, 64)
				for {
					_, err := io.ReadFull(c, buf)
					replies <- err
					if err != nil {
						return
					}
				}
			}()
			msg := make([]byte, 64)
			tick := time.NewTicker(2 * time.Millisecond)
			defer tick.Stop()
			cpu0 := processCPU()
			for b.Loop() {
				<-tick.C
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if err := <-replies; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
