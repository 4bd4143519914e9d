package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/internal/hangcheck"
)

// fuzzModel is one --model value of check with the flags that keep one fuzz
// input's check short, and what its family adds in the fuzz target's fifth
// mode.
type fuzzModel struct {
	name   string
	limits []string
	extra  []string
	maxOps int // 0: any length
}

// fuzzCheckModels lists every --model value check has, by family.
func fuzzCheckModels() []fuzzModel {
	var out []fuzzModel
	for _, m := range linearCheckModels() {
		out = append(out, fuzzModel{name: m.Name, maxOps: 40,
			limits: []string{"--linear-timeout", "250ms", "--linear-max-memory", "67108864"},
			extra:  []string{"--nil-reads-match-any"}})
	}
	for _, m := range elleCheckModels() {
		out = append(out, fuzzModel{name: m.Name, maxOps: 400,
			limits: []string{"--cycle-search-budget", "200000"},
			extra:  []string{"-c", "snapshot-isolation", "--writes-follow-reads", "--sequential-keys", "--linearizable-keys", "--garbage-reads"}})
	}
	for _, m := range classicCheckModels() {
		out = append(out, fuzzModel{name: m.Name, extra: []string{"--independent"}})
	}
	return out
}

// FuzzCheck runs `faultline check` in-process on a file holding the fuzz
// input, with every --model value (the option byte's low five bits, modulo
// the number of models) and its output forms (the top three bits: verdict
// lines, --explain, --output json, --output text, the family's options).
// Whatever the input, check must not crash (exit 255), its checker must not
// panic (checker.Safe would turn that into an unknown verdict that names
// the panic), and it exits 0, 1, 2 or 254; --output json prints JSON. The
// seed corpus (testdata/fuzz/FuzzCheck) has a history for every model and
// input that is no history at all.
func FuzzCheck(f *testing.F) {
	models := fuzzCheckModels()
	f.Fuzz(func(t *testing.T, opt uint8, data []byte) {
		defer hangcheck.Within(hangcheck.Limit, data)()
		m := models[int(opt&31)%len(models)]
		if m.maxOps > 0 {
			if h, _, err := codec.Read(bytes.NewReader(data), "fuzz", codec.Auto); err == nil && h.Len() > m.maxOps {
				return // the search may take exponential time: FuzzLinear and FuzzListAppend cap it too
			}
		}
		path := filepath.Join(t.TempDir(), "history")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--model", m.name}, m.limits...)
		mode := opt >> 5
		switch mode {
		case 1:
			args = append(args, "--explain")
		case 2:
			args = append(args, "--output", "json")
		case 3:
			args = append(args, "--output", "text")
		case 4:
			args = append(args, m.extra...)
			args = append(args, "--explain")
		}
		code, out, errs := runCheck(t, append(args, path)...)
		switch {
		case code == ExitCrash || panicked(out+errs, data):
			t.Fatalf("check %v crashed (exit %d):\n%s%s", args, code, out, errs)
		case code != ExitValid && code != ExitInvalid && code != ExitUnknown && code != ExitBadArgs:
			t.Fatalf("check %v: exit %d\n%s%s", args, code, out, errs)
		case mode == 2 && !json.Valid([]byte(out)):
			t.Fatalf("check %v: --output json printed something else:\n%s", args, out)
		}
	})
}

// panicked says whether check's output shows a panic: checker.Safe's
// unknown verdict or Execute's crash report, unless the input itself holds
// those words (outputs quote the ops they explain).
func panicked(output string, input []byte) bool {
	for _, sign := range []string{"checker panicked:", "faultline crashed:"} {
		if strings.Contains(output, sign) && !bytes.Contains(input, []byte(sign)) {
			return true
		}
	}
	return false
}
