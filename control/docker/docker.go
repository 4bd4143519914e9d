// Package docker is the control.Remote for nodes that are Docker containers:
// commands run with `docker exec`, files move with `docker cp`. docker exec
// takes an argv (no shell in between), so the command's arguments reach the
// container unchanged; Dir, Env and Sudo map to docker exec's -w, -e and -u
// (no sudo binary is needed in the container, and SudoPassword is unused).
//
// This package is tested for the commands it builds; it has not been run
// against a real Docker engine in Faultline's CI.
package docker

import (
	"context"
	"io"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/hostexec"
)

// Remote runs commands in containers through the docker CLI.
type Remote struct {
	// Binary is the docker CLI to run; "docker" when empty (podman works too).
	Binary string
	// Container maps a node name to its container name or id; the node name
	// itself when nil.
	Container func(node string) string
}

// Connect returns a connection to the container of node. It does not check
// that the container exists: the first command will say so if it does not.
func (r Remote) Connect(_ context.Context, node string) (control.Conn, error) {
	return hostexec.Conn{
		Node:   node,
		Exec:   func(cmd control.Cmd) ([]string, io.Reader) { return r.ExecArgv(node, cmd), cmd.Stdin },
		Copy:   r.CopyArgv,
		Target: r.container(node) + ":",
	}, nil
}

func (r Remote) binary() string {
	if r.Binary == "" {
		return "docker"
	}
	return r.Binary
}

func (r Remote) container(node string) string {
	if r.Container == nil {
		return node
	}
	return r.Container(node)
}

// ExecArgv is the docker command line that runs cmd on node.
func (r Remote) ExecArgv(node string, cmd control.Cmd) []string {
	argv := []string{r.binary(), "exec", "-i"}
	if cmd.Sudo != "" {
		argv = append(argv, "-u", cmd.Sudo)
	}
	if cmd.Dir != "" {
		argv = append(argv, "-w", cmd.Dir)
	}
	for _, kv := range cmd.Env {
		argv = append(argv, "-e", kv)
	}
	argv = append(argv, r.container(node))
	return append(argv, cmd.Argv...)
}

// CopyArgv is the docker command line that copies from to to; container
// paths are written node:path as for docker cp, with the node mapped to its
// container.
func (r Remote) CopyArgv(from, to string) []string {
	return []string{r.binary(), "cp", from, to}
}
