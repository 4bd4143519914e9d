package sqldb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
)

// logTailLines is how much of a server's log an error shows.
const logTailLines = 20

// Timeouts, generous for a loaded two-core machine running three servers.
const (
	// readyTimeout bounds how long a started server may take to answer on its
	// socket (crash recovery after a kill included).
	readyTimeout = 90 * time.Second
	// joinTimeout bounds a Galera node's join, state transfer included.
	joinTimeout = 180 * time.Second
	// stopGrace is how long Teardown waits after SIGKILL for the processes
	// to be gone.
	stopGrace = 10 * time.Second
)

// startFailure is the error for a server that did not start on n: the
// reason, then the last lines of its log, so the cause is in the error.
func startFailure(ctx context.Context, n db.Node, what, logFile string, cause error) error {
	out, err := node.Shell(context.WithoutCancel(ctx), n.Conn, `tail -n "$2" "$1" 2>&1`, logFile, strconv.Itoa(logTailLines))
	if err != nil {
		out = fmt.Sprintf("(could not read %s: %v)", logFile, err)
	}
	return fmt.Errorf("on %s: %s did not start: %w; last lines of %s:\n%s", n.Name, what, cause, logFile, out)
}

// launch starts d unless its pid file names a live process and reports
// whether it started it; a program that exits at once is a startFailure.
func launch(ctx context.Context, n db.Node, what string, d node.Daemon) (bool, error) {
	started, err := node.Start(ctx, n.Conn, d)
	if err != nil {
		return false, startFailure(ctx, n, what, d.LogFile, err)
	}
	return started, nil
}

// waitReady calls probe every 250 ms until it succeeds, the server's process
// is gone, or timeout passes; the last two are a startFailure.
func waitReady(ctx context.Context, n db.Node, what, logFile string, timeout time.Duration, probe func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := probe(pctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("on %s: waiting for %s: %w", n.Name, what, ctx.Err())
		}
		alive, aerr := node.Running(ctx, n.Conn, pidFile)
		if aerr == nil && !alive {
			return startFailure(ctx, n, what, logFile, fmt.Errorf("the server exited (last check: %v)", err))
		}
		if time.Now().After(deadline) {
			return startFailure(ctx, n, what, logFile, fmt.Errorf("not ready within %v: %v", timeout, err))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// treeScript sends signal $2 to the server whose pid file is $1: first to
// its process group (its pid is the group's id, since it was started with
// setsid), so the server itself stops forking, then to every descendant,
// since some leave the group (PostgreSQL's backends call setsid). After
// SIGSTOP it waits until every thread of them shows as stopped (a
// multi-threaded process stops asynchronously, and a query answered after
// Pause returned would make the pause a lie); after SIGKILL, until they are
// gone, so a restart finds the port, the files and shared memory free. Each
// wait is bounded by $3 tenths of a second. No server is no error.
const treeScript = `[ -s "$1" ] || exit 0
pid=$(cat "$1")
tree() { echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
kill -"$2" "-$pid" 2>/dev/null
all=$(tree "$pid")
kill -"$2" $all 2>/dev/null
case "$2" in
STOP) i=0; while [ $i -lt "$3" ]; do
    busy=0
    for p in $all; do for st in /proc/"$p"/task/*/status; do
      [ -e "$st" ] && ! grep -q '^State:[[:space:]]*[Tt]' "$st" 2>/dev/null && busy=1
    done; done
    [ $busy = 0 ] && break; sleep 0.1; i=$((i+1)); done ;;
KILL) i=0; while [ $i -lt "$3" ]; do
    alive=0; for p in $all; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.05; i=$((i+1)); done
  rm -f "$1" ;;
esac
exit 0`

// signalGroup sends sig (STOP, CONT, KILL, ...) to the server on n and
// everything it started (treeScript).
func signalGroup(ctx context.Context, n db.Node, sig string) error {
	sig = strings.TrimPrefix(sig, "SIG")
	_, err := node.Shell(ctx, n.Conn, treeScript, pidFile, sig, strconv.Itoa(int(stopGrace/(100*time.Millisecond))))
	if err != nil {
		return fmt.Errorf("on %s: sending SIG%s to the server: %w", n.Name, sig, err)
	}
	return nil
}

// killGroup kills the server and everything it started with SIGKILL
// (nothing is flushed), after SIGCONT so a paused server dies too, and
// removes the pid file.
func killGroup(ctx context.Context, n db.Node) error {
	if err := signalGroup(ctx, n, "CONT"); err != nil {
		return err
	}
	return signalGroup(ctx, n, "KILL")
}

// wipe kills the server and anything else still running from BaseDir
// (matched by command line, for processes that left the group), then
// removes BaseDir and LogDir. It succeeds where nothing ever ran.
func wipe(ctx context.Context, n db.Node) error {
	errs := []error{killGroup(ctx, n)}
	// The pattern "[/]var/..." matches the servers' command lines but not
	// this script's own, which holds it with the brackets and the paths
	// without their leading slash.
	_, err := node.Shell(ctx, n.Conn, `pkill -KILL -f -- "[/]$1"; i=0; while pgrep -f -- "[/]$1" >/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
rm -rf "/$1" "/$2"`, strings.TrimPrefix(BaseDir, "/"), strings.TrimPrefix(LogDir, "/"))
	if err != nil {
		errs = append(errs, fmt.Errorf("on %s: wiping %s and %s: %w", n.Name, BaseDir, LogDir, err))
	}
	return errors.Join(errs...)
}

// setting is one recorded server setting; absent ones have no value.
type setting struct{ name, value string }

// record writes the settings to SettingsFile on n and logs them in one line.
func record(ctx context.Context, n db.Node, server string, settings []setting) error {
	var b strings.Builder
	args := []any{"node", n.Name}
	fmt.Fprintf(&b, "server: %s\nnode: %s\n", server, n.Name)
	for _, s := range settings {
		v := s.value
		if v == "" {
			v = "(absent in this version)"
		}
		fmt.Fprintf(&b, "%s: %s\n", s.name, v)
		args = append(args, s.name, v)
	}
	if err := node.WriteFile(ctx, n.Conn, SettingsFile, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("on %s: recording %s's settings: %w", n.Name, server, err)
	}
	slog.Info(server+" is up", args...)
	return nil
}

// lookup is the value of name in settings, "" if absent.
func lookup(settings []setting, name string) string {
	for _, s := range settings {
		if s.name == name {
			return s.value
		}
	}
	return ""
}
