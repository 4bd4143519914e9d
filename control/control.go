// Package control runs commands on nodes and moves files to and from them.
// A Remote connects to a node; the Conn it returns runs commands (given as
// data: argv, stdin, env, dir, sudo, never a pre-joined shell string) and
// transfers files. Implementations: SSH, Docker, Kubernetes and local, in
// sub-packages. This package imports nothing else of Faultline's.
//
// Besides the interfaces it holds what every implementation shares: shell
// quoting of commands (Quote, Script, Input) and running a function on all
// nodes at once with per-node errors (OnNodes, ConnectAll).
package control

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Cmd is a command to run on a node. Argv is run as given: implementations
// escape it for the remote shell, so arguments with spaces, quotes, $ or
// newlines arrive intact.
type Cmd struct {
	Argv  []string
	Stdin io.Reader
	Env   []string // KEY=VALUE
	Dir   string
	// Sudo, when set, runs the command as that user (root if "root") through
	// sudo; SudoPassword is fed to sudo -S when the node asks for one.
	Sudo         string
	SudoPassword string
}

// Result is what a command printed and how it exited.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Remote opens connections to nodes.
type Remote interface {
	Connect(ctx context.Context, node string) (Conn, error)
}

// Conn is an open connection to one node. A command that runs and exits
// nonzero returns an *ExitError (with its Result); transport failures return
// other errors. Conns are safe for concurrent use.
type Conn interface {
	Run(ctx context.Context, cmd Cmd) (Result, error)
	Upload(ctx context.Context, localPath, remotePath string) error
	Download(ctx context.Context, remotePath, localPath string) error
	Close() error
}

// ExitError is returned when a command ran on a node and exited nonzero. It
// names the node, the command, the exit code and the tail of stderr.
type ExitError struct {
	Node   string
	Argv   []string
	Result Result
}

func (e *ExitError) Error() string {
	quoted := make([]string, len(e.Argv))
	for i, a := range e.Argv {
		quoted[i] = Quote(a)
	}
	return fmt.Sprintf("on %s: %s exited with status %d: %s", e.Node, strings.Join(quoted, " "), e.Result.ExitCode, Tail(e.Result.Stderr, 512))
}
