package node

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/control"
)

// Daemon describes a long-running program on a node.
type Daemon struct {
	Bin     string   // program to run
	Args    []string // its arguments
	PidFile string   // where its PID is kept; required
	LogFile string   // its stdout and stderr are appended here; required
	Dir     string   // working directory; / when empty
	Env     []string // KEY=VALUE
	// User runs the daemon as this user through sudo -n; the pid file then
	// holds sudo's PID, which passes TERM on to the daemon (KILL it does not).
	User string
}

// startScript starts a daemon unless its pid file names a live process. The
// daemon gets its own session (setsid), no terminal and no open descriptors
// to the SSH session, so it outlives the login. After 100 ms it must still
// be alive: a program that dies at once is reported with its log's tail.
const startScript = `pidfile=$1 log=$2 dir=$3; shift 3
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo running; exit 0; fi
mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")"
cd "$dir"
setsid "$@" >> "$log" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$pidfile"
sleep 0.1
if ! kill -0 "$pid" 2>/dev/null; then
  echo "exited at once; last lines of $log:" >&2; tail -n 20 "$log" >&2; rm -f "$pidfile"; exit 1
fi
echo started`

// Start starts the daemon unless it is already running (according to its
// pid file), and reports whether it started it.
func Start(ctx context.Context, c control.Conn, d Daemon) (started bool, err error) {
	if d.PidFile == "" || d.LogFile == "" || d.Bin == "" {
		return false, fmt.Errorf("daemon %q: Bin, PidFile and LogFile are required", d.Bin)
	}
	dir := d.Dir
	if dir == "" {
		dir = "/"
	}
	argv := []string{d.Bin}
	if len(d.Env) > 0 {
		argv = append(append([]string{"env"}, d.Env...), d.Bin)
	}
	if d.User != "" {
		argv = append([]string{"sudo", "-n", "-u", d.User, "--"}, argv...)
	}
	argv = append(argv, d.Args...)
	out, err := Shell(ctx, c, startScript, append([]string{d.PidFile, d.LogFile, dir}, argv...)...)
	if err != nil {
		return false, fmt.Errorf("starting %s: %w", d.Bin, err)
	}
	return out == "started", nil
}

// Running reports whether the pid file names a live process.
func Running(ctx context.Context, c control.Conn, pidFile string) (bool, error) {
	out, err := Shell(ctx, c, `[ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && echo yes || echo no`, pidFile)
	return out == "yes", err
}

// Stop sends SIGTERM to the daemon of pidFile, waits up to grace for it to
// exit, then sends SIGKILL, and removes the pid file. Stopping a daemon that
// is not running is not an error.
func Stop(ctx context.Context, c control.Conn, pidFile string, grace time.Duration) error {
	_, err := Shell(ctx, c, `[ -s "$1" ] || exit 0
pid=$(cat "$1"); kill -TERM "$pid" 2>/dev/null
i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt "$2" ]; do sleep 0.05; i=$((i+1)); done
kill -KILL "$pid" 2>/dev/null; rm -f "$1"; exit 0`, pidFile, strconv.Itoa(int(grace/(50*time.Millisecond))))
	if err != nil {
		return fmt.Errorf("stopping the daemon of %s: %w", pidFile, err)
	}
	return nil
}

// KillByName sends SIGKILL to every process whose name (as ps shows it,
// at most 15 characters) is exactly name. No such process is not an error.
func KillByName(ctx context.Context, c control.Conn, name string) error {
	return SignalByName(ctx, c, name, "KILL")
}

// SignalByName sends signal sig (a name such as TERM, STOP or CONT) to every
// process named exactly name. No such process is not an error.
func SignalByName(ctx context.Context, c control.Conn, name, sig string) error {
	_, err := Shell(ctx, c, `pkill -"$2" -x "$1"; s=$?; [ $s -le 1 ] || exit $s`, name, strings.TrimPrefix(sig, "SIG"))
	if err != nil {
		return fmt.Errorf("sending SIG%s to processes named %s: %w", strings.TrimPrefix(sig, "SIG"), name, err)
	}
	return nil
}

// SignalPidFile sends sig to the process named by pidFile. A missing pid
// file or a dead process is not an error.
func SignalPidFile(ctx context.Context, c control.Conn, pidFile, sig string) error {
	_, err := Shell(ctx, c, `[ -s "$1" ] || exit 0; kill -"$2" "$(cat "$1")" 2>/dev/null; exit 0`, pidFile, strings.TrimPrefix(sig, "SIG"))
	if err != nil {
		return fmt.Errorf("sending SIG%s to the process of %s: %w", sig, pidFile, err)
	}
	return nil
}

// KillPidFile sends SIGKILL to the process of pidFile and removes the file.
func KillPidFile(ctx context.Context, c control.Conn, pidFile string) error {
	if err := SignalPidFile(ctx, c, pidFile, "KILL"); err != nil {
		return err
	}
	_, err := Output(ctx, c, "rm", "-f", pidFile)
	return err
}

// WaitForPort waits until something on the node accepts TCP connections on
// host:port (from the node's own point of view), trying every 100 ms, for
// at most timeout. Each try is bounded too: a connection attempt into a
// partition that drops packets would otherwise hang for minutes.
func WaitForPort(ctx context.Context, c control.Conn, host string, port int, timeout time.Duration) error {
	secs := strconv.FormatFloat(timeout.Seconds(), 'f', 3, 64)
	_, err := Shell(ctx, c, `timeout "$3" sh -c 'until timeout 1 bash --norc -c "exec 3<>/dev/tcp/$0/$1" 2>/dev/null; do sleep 0.1; done' "$1" "$2"`,
		host, strconv.Itoa(port), secs)
	if err != nil {
		return fmt.Errorf("nothing accepted connections on %s:%d within %v: %w", host, port, timeout, err)
	}
	return nil
}
