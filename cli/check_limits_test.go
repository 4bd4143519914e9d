package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hostile input ends `faultline check` with exit 254 and the position, in
// bounded time: a device file, a line past --max-line-bytes, an integer of
// megabytes of digits.
func TestCheckRefusesHostileInputWithItsPosition(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zeros := write("zeros.bin", strings.Repeat("\x00", 2<<20))
	digits := write("digits.edn", "{:type :ok, :process 0, :f :read, :value "+strings.Repeat("1", 5<<20)+"}\n")
	cases := []struct {
		name string
		args []string
		want string // stdout's verdict line contains this
	}{
		{"device", []string{"--model", "counter", "/dev/zero"}, "/dev/zero is a character device, not a history file"},
		{"line cap", []string{"--model", "counter", "--max-line-bytes", "1048576", zeros}, zeros + ":1:1: more than 1048576 bytes without a line end"},
		{"digits", []string{"--model", "counter", digits}, digits + ":1:42: number of 5242880 characters: expected at most 400"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errb := runCheck(t, c.args...)
			if code != ExitBadArgs || !strings.Contains(out+errb, c.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q\nwant exit %d and %q", code, out, errb, ExitBadArgs, c.want)
			}
		})
	}
	if code, _, _ := runCheck(t, "--model", "counter", "--max-line-bytes", "0", digits); code != ExitBadArgs {
		t.Errorf("--max-line-bytes 0: exit %d, want %d", code, ExitBadArgs)
	}
}
