package hangcheck

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestStopDisarmsTheTimer(t *testing.T) {
	stop := Within(10*time.Millisecond, []byte("input"))
	stop()
	time.Sleep(30 * time.Millisecond) // had the timer fired, the test binary would have crashed
}

// The test binary runs itself as a child that hangs: the child must crash
// with the input named and the stacks of all goroutines, as the fuzzer
// needs to keep the input.
func TestAHangCrashesTheProcessWithEveryStack(t *testing.T) {
	if os.Getenv("HANGCHECK_CHILD") == "1" {
		Within(10*time.Millisecond, []byte("the input"))
		time.Sleep(5 * time.Second)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAHangCrashesTheProcessWithEveryStack$")
	cmd.Env = append(os.Environ(), "HANGCHECK_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the hanging child exited 0:\n%s", out)
	}
	for _, want := range []string{`hang: an input still running after 10ms: "the input"`, "time.Sleep"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("the child's output lacks %q:\n%s", want, out)
		}
	}
}
