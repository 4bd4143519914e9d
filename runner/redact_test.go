package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/runner/internal/fakekv"
	"github.com/faultline/faultline/runstore"
)

// secretConfig holds a secret in every shape one used to reach config.json
// in plain text; each secret value is listed in secretsIn.
var secretConfig = map[string]any{
	"workload":    "register",
	"users":       []map[string]any{{"name": "admin", "password": "cfgpw-list"}},
	"env":         map[string][]string{"etcd": {"ETCD_ROOT_PASSWORD=cfgpw-env", "ETCD_NAME=n1"}},
	"tarball-url": "https://deploy:cfgpw-url@example.com/etcd.tgz",
	"etcd-args":   []string{"--auth-token", "cfgpw-argv"},
	"auth":        "cfgpw-auth", "token": "cfgpw-token", "client-secret": "cfgpw-secret", "api-key": "cfgpw-apikey",
	"passphrase": "cfgpw-phrase", "credential": "cfgpw-cred", "private-key": "cfgpw-pkey",
}

var secretsIn = []string{"cfgpw-list", "cfgpw-env", "cfgpw-url", "cfgpw-argv", "cfgpw-auth", "cfgpw-token", "cfgpw-secret",
	"cfgpw-apikey", "cfgpw-phrase", "cfgpw-cred", "cfgpw-pkey"}

// leakyDB fails setup with an error that quotes the configuration's
// secrets, as a failed command line or connection string would.
type leakyDB struct{ fakekv.DB }

func (*leakyDB) Setup(context.Context, dbNode) error {
	return fmt.Errorf("etcd --auth-token cfgpw-argv exited 1 (env ETCD_ROOT_PASSWORD=cfgpw-env; fetched https://deploy:cfgpw-url@example.com/etcd.tgz; key cfgpw-pkey)")
}

// Neither config.json nor run.log nor the terminal nor the stored error of
// a failed run shows a secret of the configuration; what is not secret stays.
func TestSecretsReachNeitherTheConfigNorTheLogNorAStoredError(t *testing.T) {
	test, _, _, _ := kvTest(t, 0)
	test.Config = secretConfig
	test.DB = &leakyDB{}
	out, err := Run(context.Background(), test)
	if err == nil || !strings.Contains(err.Error(), "exited 1") {
		t.Fatalf("the failing setup returned %v", err)
	}
	files := map[string]string{"terminal": test.Output.(*bytes.Buffer).String()}
	for _, f := range []string{runstore.ConfigFile, runstore.LogFile, runstore.ResultsFile, runstore.ResultsEDNFile} {
		b, err := os.ReadFile(filepath.Join(out.Dir, f))
		if err != nil {
			t.Fatal(err)
		}
		files[f] = string(b)
	}
	for name, text := range files {
		for _, s := range secretsIn {
			if strings.Contains(text, s) {
				t.Errorf("%s holds the secret %q:\n%s", name, s, text)
			}
		}
	}
	for name, want := range map[string]string{
		runstore.ConfigFile:     `"tarball-url": "https://deploy:<redacted>@example.com/etcd.tgz"`,
		runstore.LogFile:        `ETCD_ROOT_PASSWORD=<redacted>`,
		runstore.ResultsEDNFile: `etcd --auth-token <redacted> exited 1`,
		"terminal":              `run failed`,
	} {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s lacks %q:\n%s", name, want, files[name])
		}
	}
	if !strings.Contains(files[runstore.ConfigFile], `"workload": "register"`) {
		t.Errorf("config.json lost what is no secret:\n%s", files[runstore.ConfigFile])
	}
}
