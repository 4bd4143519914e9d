// Package hostexec runs a program on this machine and reports it the way
// every control.Conn must: output captured, a nonzero exit turned into a
// *control.ExitError naming the node. The local, Docker and Kubernetes
// remotes are all "run a program here" underneath (sh, docker exec, kubectl
// exec), so they share this one place that knows how.
package hostexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"

	"github.com/faultline/faultline/control"
)

// Run runs argv on this machine with stdin and extra environment, and
// attributes the outcome to node. A program that ran and exited nonzero gives
// a *control.ExitError whose Argv is shown (the command the caller asked
// for, not the wrapper that carried it); a program that could not start
// gives an error saying which program was missing.
func Run(ctx context.Context, node string, shown, argv []string, stdin io.Reader) (control.Result, error) {
	if len(argv) == 0 {
		return control.Result{}, fmt.Errorf("on %s: empty command", node)
	}
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	c.Stdin = stdin
	c.Stdout = &stdout
	c.Stderr = &stderr
	err := c.Run()
	res := control.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if err == nil {
		return res, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		res.ExitCode = ee.ExitCode()
		return res, &control.ExitError{Node: node, Argv: shown, Result: res}
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("on %s: %s: %w", node, control.Quote(shown[0]), ctx.Err())
	}
	return res, fmt.Errorf("on %s: cannot run %s: %w", node, argv[0], err)
}

// Transfer runs a copying program (cp, docker cp, kubectl cp) and turns its
// failure into an error that names the node, the direction and both paths.
func Transfer(ctx context.Context, node, what, from, to string, argv []string) error {
	_, err := Run(ctx, node, argv, argv, nil)
	if err != nil {
		return fmt.Errorf("%s %s to %s: %w", what, from, to, err)
	}
	return nil
}

// Conn is a control.Conn for nodes reached by running a program here, such
// as docker exec or kubectl exec: the remote supplies the command lines and
// Conn does the rest.
type Conn struct {
	Node string
	// Exec is the local command line that runs cmd on the node, and the
	// input to give it.
	Exec func(cmd control.Cmd) (argv []string, stdin io.Reader)
	// Copy is the local command line that copies from to to; a path on
	// the node is written Target+path (for docker cp and kubectl cp, the
	// container or pod name and a colon).
	Copy   func(from, to string) []string
	Target string
}

func (c Conn) Run(ctx context.Context, cmd control.Cmd) (control.Result, error) {
	argv, stdin := c.Exec(cmd)
	return Run(ctx, c.Node, cmd.Argv, argv, stdin)
}

func (c Conn) Upload(ctx context.Context, localPath, remotePath string) error {
	return Transfer(ctx, c.Node, "upload", localPath, remotePath, c.Copy(localPath, c.Target+remotePath))
}

func (c Conn) Download(ctx context.Context, remotePath, localPath string) error {
	return Transfer(ctx, c.Node, "download", remotePath, localPath, c.Copy(c.Target+remotePath, localPath))
}

func (Conn) Close() error { return nil }
