package ssh_test

import (
	gossh "golang.org/x/crypto/ssh"
)

func marshal(k gossh.PublicKey) []byte { return gossh.MarshalAuthorizedKey(k) }

func parseRaw(pem []byte) (any, error) { return gossh.ParseRawPrivateKey(pem) }
