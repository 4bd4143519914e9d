// Package local is the control.Remote for this machine: every node name maps
// to the machine the program runs on. It exists for tests of node helpers and
// for single-machine setups; commands go through `sh -c` exactly as they would
// through an SSH login shell, so quoting and sudo behave the same way.
package local

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/hostexec"
)

// Remote runs commands on this machine. The zero value is ready to use.
type Remote struct{}

// Connect returns a connection for node; node only labels errors.
func (Remote) Connect(_ context.Context, node string) (control.Conn, error) {
	return conn{node: node}, nil
}

type conn struct{ node string }

func (c conn) Run(ctx context.Context, cmd control.Cmd) (control.Result, error) {
	return hostexec.Run(ctx, c.node, cmd.Argv, []string{"sh", "-c", control.Script(cmd)}, control.Input(cmd))
}

func (c conn) Upload(_ context.Context, localPath, remotePath string) error {
	return c.copy("upload", localPath, remotePath)
}

func (c conn) Download(_ context.Context, remotePath, localPath string) error {
	return c.copy("download", remotePath, localPath)
}

func (conn) Close() error { return nil }

// copy copies a regular file, writing to a temporary name first so a reader
// never sees half a file.
func (c conn) copy(what, from, to string) error {
	err := copyFile(from, to)
	if err != nil {
		return fmt.Errorf("on %s: %s %s to %s: %w", c.node, what, from, to, err)
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(to), ".faultline-copy-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}
