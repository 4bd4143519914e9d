// Package node holds the chores every database setup repeats on its nodes:
// run a command for its output, write a file, check that a path exists,
// ensure a user, install an archive, start and stop daemons, kill and
// signal processes, wait for a port, and prepare a Debian node (packages,
// /etc/hosts, healing the network). Each works over any control.Conn and is
// idempotent: running it twice leaves the node as running it once does, so
// setup can be retried after a failure.
package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/faultline/faultline/control"
)

// Output runs argv and returns its standard output without the trailing
// newline.
func Output(ctx context.Context, c control.Conn, argv ...string) (string, error) {
	res, err := c.Run(ctx, control.Cmd{Argv: argv})
	return strings.TrimRight(string(res.Stdout), "\n"), err
}

// Shell runs a POSIX sh script with args as $1, $2, ...: the helpers keep
// their logic on the node in one round trip, with every value passed as an
// argument, never spliced into the script.
func Shell(ctx context.Context, c control.Conn, script string, args ...string) (string, error) {
	return Output(ctx, c, append([]string{"sh", "-c", script, "sh"}, args...)...)
}

// Exists reports whether path exists on the node.
func Exists(ctx context.Context, c control.Conn, path string) (bool, error) {
	_, err := c.Run(ctx, control.Cmd{Argv: []string{"test", "-e", path}})
	var ee *control.ExitError
	if errors.As(err, &ee) && ee.Result.ExitCode == 1 {
		return false, nil
	}
	return err == nil, err
}

// WriteFile writes data to path on the node (creating parent directories)
// with the given permission bits, through a temporary file and a rename so
// that readers never see a partial file.
func WriteFile(ctx context.Context, c control.Conn, path string, data []byte, perm uint32) error {
	_, err := c.Run(ctx, control.Cmd{
		Argv: []string{"sh", "-c", `mkdir -p "$(dirname "$1")" && cat > "$1.faultline-tmp" && chmod "$2" "$1.faultline-tmp" && mv -f "$1.faultline-tmp" "$1"`,
			"sh", path, fmt.Sprintf("%o", perm)},
		Stdin: bytes.NewReader(data),
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// EnsureUser creates a system user with a home directory unless it exists.
func EnsureUser(ctx context.Context, c control.Conn, user, home string) error {
	_, err := Shell(ctx, c, `id -u "$1" >/dev/null 2>&1 || useradd --system --create-home --home-dir "$2" --shell /bin/sh "$1"`, user, home)
	if err != nil {
		return fmt.Errorf("ensuring user %s: %w", user, err)
	}
	return nil
}
