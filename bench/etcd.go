package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

// PorcupineVersion is the Porcupine release compared against; its module
// ships the etcd logs.
const PorcupineVersion = "v1.3.1"

// EtcdLogDir finds test_data/jepsen inside Porcupine's module in the module
// cache, downloading the module if needed (the logs are never copied into
// this repository).
func EtcdLogDir() (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/anishathalye/porcupine@"+PorcupineVersion).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download porcupine: %w", err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return "", fmt.Errorf("go mod download porcupine: %w", err)
	}
	if mod.Error != "" {
		return "", fmt.Errorf("go mod download porcupine: %s", mod.Error)
	}
	dir := filepath.Join(mod.Dir, "test_data", "jepsen")
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// EtcdCases reads the 103 etcd_NNN.log histories through history/codec.
func EtcdCases() ([]Case, error) {
	dir, err := EtcdLogDir()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "etcd_*.log"))
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, f := range files {
		h, _, err := codec.ReadFile(f, codec.JepsenLog)
		if empty := (*codec.NoOpsError)(nil); errors.As(err, &empty) {
			// One of the logs is empty: no ops, which both checkers call
			// linearizable (codec refuses it as a history file).
			h, err = history.MustNew(), nil
		}
		if err != nil {
			return nil, err
		}
		cases = append(cases, Case{Name: filepath.Base(f), History: h})
	}
	return cases, nil
}
