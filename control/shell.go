package control

import (
	"io"
	"strings"
)

// Quote returns s quoted for a POSIX shell so that the shell passes it on as
// exactly one argument, byte for byte: spaces, quotes, $, backslashes and
// newlines included. Remotes that can only hand a command line to a shell
// (ssh, kubectl exec) build that line with Quote, never by joining argv.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Script renders cmd as one POSIX shell command line: change to Dir, set Env,
// switch user with sudo, then exec Argv. Every piece is quoted, so the remote
// shell sees the argv the caller built.
//
// Sudo without a password runs `sudo -n` (fail fast instead of waiting for a
// prompt that nobody will answer). With a password it runs `sudo -S -k -p ”`
// and Stdin (see Input) starts with the password line: -k makes sudo ask even
// when it has cached credentials, so the line is always consumed by sudo.
// Leave SudoPassword empty for NOPASSWD accounts and for root, where sudo
// never asks and the line would reach the command instead.
func Script(cmd Cmd) string {
	var b strings.Builder
	if cmd.Dir != "" {
		b.WriteString("cd " + Quote(cmd.Dir) + " && ")
	}
	b.WriteString("exec ")
	if cmd.Sudo != "" {
		if cmd.SudoPassword != "" {
			b.WriteString("sudo -S -k -p '' -u " + Quote(cmd.Sudo) + " -- ")
		} else {
			b.WriteString("sudo -n -u " + Quote(cmd.Sudo) + " -- ")
		}
	}
	if len(cmd.Env) > 0 {
		b.WriteString("env")
		for _, kv := range cmd.Env {
			b.WriteString(" " + Quote(kv))
		}
		b.WriteString(" ")
	}
	for i, a := range cmd.Argv {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(Quote(a))
	}
	return b.String()
}

// Input is what should be written to the standard input of Script(cmd): the
// sudo password line when one is needed, then cmd.Stdin. It returns nil when
// there is nothing to send, so the command sees end of file at once.
func Input(cmd Cmd) io.Reader {
	var parts []io.Reader
	if cmd.Sudo != "" && cmd.SudoPassword != "" {
		parts = append(parts, strings.NewReader(cmd.SudoPassword+"\n"))
	}
	if cmd.Stdin != nil {
		parts = append(parts, cmd.Stdin)
	}
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	return io.MultiReader(parts...)
}

// Tail returns at most the last n bytes of b, cut at a line start when one
// lies within the window, for error messages that must stay short.
func Tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	return strings.TrimSpace(string(b))
}
