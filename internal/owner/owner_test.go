package owner

import (
	"os/exec"
	"testing"
)

func TestSelfIsAliveAndADeadOrReusedPidIsNot(t *testing.T) {
	me := Self()
	if me.BootID == "" || me.Start == 0 {
		t.Fatalf("Self() = %+v: expected a boot id and a start time on Linux", me)
	}
	if alive, why := me.Alive(); !alive {
		t.Fatalf("the test process itself is not alive: %s", why)
	}

	// A process that has exited: its pid names nobody (or, if the kernel
	// reused it already, somebody with another start time).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := me
	dead.PID, dead.Start = cmd.Process.Pid, me.Start
	if alive, why := dead.Alive(); alive {
		t.Fatalf("exited process %d taken for alive: %s", dead.PID, why)
	}

	// A pid that is alive but started at another time is another process
	// that was given the pid: not the owner.
	reused := me
	reused.Start++
	if alive, why := reused.Alive(); alive {
		t.Fatalf("a reused pid (same pid, other start time) taken for the owner: %s", why)
	}

	// Another boot of this machine.
	old := me
	old.BootID = "00000000-0000-0000-0000-000000000000"
	if alive, _ := old.Alive(); alive {
		t.Fatal("a process of an earlier boot taken for alive")
	}
}
