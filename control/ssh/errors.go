package ssh

import (
	"errors"
	"fmt"
	"strings"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// AuthError says that a node refused every credential offered, and what the
// user should check, instead of the library's "unable to authenticate".
type AuthError struct {
	Node, Addr, User string
	KeyFiles         []string
	Agent            string
	Password         bool
	Err              error
}

func (e *AuthError) Error() string {
	var tried []string
	if len(e.KeyFiles) > 0 {
		tried = append(tried, "keys "+strings.Join(e.KeyFiles, ", "))
	}
	if e.Agent != "" {
		tried = append(tried, "the keys in ssh-agent at "+e.Agent)
	}
	if e.Password {
		tried = append(tried, "a password")
	}
	return fmt.Sprintf("ssh to %s (%s) as %s: login refused after trying %s. Check that the user %q exists on %s, "+
		"that the public key is in ~%s/.ssh/authorized_keys there (or that ssh-agent holds the right key: ssh-add -l), "+
		"and that the password, if any, is right",
		e.Node, e.Addr, e.User, strings.Join(tried, ", "), e.User, e.Node, e.User)
}

func (e *AuthError) Unwrap() error { return e.Err }

// HostKeyError says that a node's host key is unknown or changed.
type HostKeyError struct {
	Node, Addr string
	Files      []string
	// Presented is the key the node showed (nil if it showed none).
	Presented gossh.PublicKey
	Err       error
}

func (e *HostKeyError) Error() string {
	var ke *knownhosts.KeyError
	if errors.As(e.Err, &ke) && len(ke.Want) > 0 {
		known := make([]string, len(ke.Want))
		for i, k := range ke.Want {
			known[i] = fmt.Sprintf("%s %s (%s:%d)", k.Key.Type(), gossh.FingerprintSHA256(k.Key), k.Filename, k.Line)
		}
		shown := "no key"
		if e.Presented != nil {
			shown = e.Presented.Type() + " " + gossh.FingerprintSHA256(e.Presented)
		}
		return fmt.Sprintf("ssh to %s (%s): the host key differs from the one in %s:%d — the node was rebuilt or someone is in the middle: "+
			"it showed %s, and known_hosts holds %s; remove the old line (ssh-keygen -R %s) if the change is expected",
			e.Node, e.Addr, ke.Want[0].Filename, ke.Want[0].Line, shown, strings.Join(known, ", "), knownhosts.Normalize(e.Addr))
	}
	return fmt.Sprintf("ssh to %s (%s): host key not found in %s; add it (ssh-keyscan %s >> known_hosts) or turn host key checking off",
		e.Node, e.Addr, strings.Join(e.Files, ", "), e.Addr)
}

func (e *HostKeyError) Unwrap() error { return e.Err }

// TransportError wraps a failure of the connection itself (as opposed to a
// command that ran and failed). Started says whether the command had already
// been started when the connection broke: such a command may have run and is
// never retried.
type TransportError struct {
	Node    string
	Argv    []string
	Started bool
	Err     error
}

func (e *TransportError) Error() string {
	what := "could not start"
	if e.Started {
		what = "lost its connection while running (it may or may not have taken effect)"
	}
	return fmt.Sprintf("on %s: %s %s: %v", e.Node, strings.Join(e.Argv, " "), what, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }
