package ssh

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"slices"
	"strconv"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// A server has several host keys (a stock sshd: ed25519, ecdsa and rsa) and
// shows the client one, of the first type on the client's list that it has.
// x/crypto's list puts ecdsa and rsa before ed25519, so a known_hosts that
// holds only a node's ed25519 key would be shown its ecdsa key and fail as a
// changed key. Like OpenSSH, the client therefore asks first for the types
// known_hosts holds for the node, then for every other type it supports (so
// that a node whose key type changed is still shown a key, and refused with
// both keys named, rather than failing to agree on a type).

// hostKeyAlgorithms returns the host key algorithms to ask addr for, those
// of its keys in known_hosts first; nil (x/crypto's default) when known_hosts
// holds no key for addr, or host keys are not checked.
func hostKeyAlgorithms(check gossh.HostKeyCallback, addr string) []string {
	known := knownKeys(check, addr)
	if len(known) == 0 {
		return nil
	}
	supported := gossh.SupportedAlgorithms().HostKeys
	var algos []string
	for _, k := range known {
		for _, a := range algorithmsOf(k.Key.Type()) {
			if slices.Contains(supported, a) && !slices.Contains(algos, a) {
				algos = append(algos, a)
			}
		}
	}
	for _, a := range supported {
		if !slices.Contains(algos, a) {
			algos = append(algos, a)
		}
	}
	return algos
}

// knownKeys returns the keys known_hosts holds for addr, by showing the
// callback a key nobody holds: the knownhosts package answers with every
// key it knows for the address, and has no other way to ask.
func knownKeys(check gossh.HostKeyCallback, addr string) []knownhosts.KnownKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	probe, err := gossh.NewPublicKey(pub)
	if err != nil {
		return nil
	}
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	var ke *knownhosts.KeyError
	if err := check(addr, &net.TCPAddr{Port: p}, probe); errors.As(err, &ke) {
		return ke.Want
	}
	return nil
}

// algorithmsOf returns the signature algorithms a host key of type typ
// signs with: an RSA key with SHA-2 (ssh-rsa's SHA-1 is not supported),
// every other key with its own type.
func algorithmsOf(typ string) []string {
	if typ == gossh.KeyAlgoRSA {
		return []string{gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256}
	}
	return []string{typ}
}
