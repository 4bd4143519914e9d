package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestLogLinesHoldNoSecret(t *testing.T) {
	cfg := map[string]any{"password": "hunter22", "endpoints": []string{"https://u:urlpw1@n1:2379"}}
	for name, mk := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			log := slog.New(Handler(mk(&b), New(cfg))).With("token", "tok-with")
			log.Info("run started with password hunter22", "nodes", []string{"n1", "https://u:urlpw1@n1:2379"}, "seed", 3)
			log.Error("setup failed", "err", errors.New("exec env ETCD_PASSWORD=envpw2 etcd: exit 1"), "sudo-password", "")
			log.WithGroup("ssh").Info("login", "user", "root", "password", "grouppw3", "strict", true)
			log.Info("cfg", "config", map[string]any{"api-key": "anykey4", "n": 1})
			out := b.String()
			for _, secret := range []string{"hunter22", "urlpw1", "tok-with", "envpw2", "grouppw3", "anykey4"} {
				if strings.Contains(out, secret) {
					t.Errorf("the log holds %q:\n%s", secret, out)
				}
			}
			for _, kept := range []string{"run started with password", "setup failed", "ETCD_PASSWORD=", "https://u:", "root", "seed", "strict"} {
				if !strings.Contains(out, kept) {
					t.Errorf("the log lost %q:\n%s", kept, out)
				}
			}
			if n := strings.Count(out, Mark); n < 7 {
				t.Errorf("%d secrets hidden, want 7 (the known password, a URL's, the With token, an env's, a group's, the map's and the password in the URL's own string):\n%s", n, out)
			}
		})
	}
}
