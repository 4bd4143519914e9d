// Package k8s is the control.Remote for nodes that are Kubernetes pods:
// commands run with `kubectl exec`, files move with `kubectl cp`, both in a
// chosen context and namespace. kubectl exec has no working directory,
// environment or user options, so the command is wrapped in `sh -c` with the
// same quoted script an SSH login would run (control.Script): the pod needs
// a POSIX sh, and sudo when Cmd.Sudo is set.
//
// This package is tested for the commands it builds; it has not been run
// against a real Kubernetes cluster in Faultline's CI.
package k8s

import (
	"context"
	"io"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/hostexec"
)

// Remote runs commands in pods through kubectl.
type Remote struct {
	// Binary is the kubectl to run; "kubectl" when empty.
	Binary string
	// Context and Namespace select the cluster and namespace; kubectl's
	// current ones when empty.
	Context   string
	Namespace string
	// Container selects the container inside each pod; the pod's default
	// container when empty.
	Container string
	// Pod maps a node name to its pod name; the node name itself when nil.
	Pod func(node string) string
}

// Connect returns a connection to the pod of node. It does not check that the
// pod exists: the first command will say so if it does not.
func (r Remote) Connect(_ context.Context, node string) (control.Conn, error) {
	return hostexec.Conn{
		Node:   node,
		Exec:   func(cmd control.Cmd) ([]string, io.Reader) { return r.ExecArgv(node, cmd), control.Input(cmd) },
		Copy:   r.CopyArgv,
		Target: r.pod(node) + ":",
	}, nil
}

func (r Remote) pod(node string) string {
	if r.Pod == nil {
		return node
	}
	return r.Pod(node)
}

// base is kubectl with the context and namespace flags.
func (r Remote) base() []string {
	bin := r.Binary
	if bin == "" {
		bin = "kubectl"
	}
	argv := []string{bin}
	if r.Context != "" {
		argv = append(argv, "--context", r.Context)
	}
	if r.Namespace != "" {
		argv = append(argv, "--namespace", r.Namespace)
	}
	return argv
}

func (r Remote) containerFlag() []string {
	if r.Container == "" {
		return nil
	}
	return []string{"-c", r.Container}
}

// ExecArgv is the kubectl command line that runs cmd on node.
func (r Remote) ExecArgv(node string, cmd control.Cmd) []string {
	argv := append(r.base(), "exec", "-i", r.pod(node))
	argv = append(argv, r.containerFlag()...)
	return append(argv, "--", "sh", "-c", control.Script(cmd))
}

// CopyArgv is the kubectl command line that copies from to to; pod paths
// are written pod:path as for kubectl cp.
func (r Remote) CopyArgv(from, to string) []string {
	argv := append(r.base(), "cp")
	argv = append(argv, r.containerFlag()...)
	return append(argv, from, to)
}
