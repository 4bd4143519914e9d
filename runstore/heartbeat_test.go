package runstore

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/owner"
)

func TestHeartbeatSaysAliveWhileRunningAndIsRemovedOnStop(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	run, err := s.Create("hb", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	beat, err := run.StartHeartbeat(20 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(run.Path(HeartbeatFile))
	if err != nil {
		t.Fatal(err)
	}
	hb, err := ParseHeartbeat(b)
	if err != nil {
		t.Fatal(err)
	}
	if hb.PID != os.Getpid() || hb.EveryMS != 20 {
		t.Fatalf("heartbeat %+v: want this process's pid and 20 ms", hb)
	}
	st, _ := os.Stat(run.Path(HeartbeatFile))
	first := st.ModTime()
	deadline := time.Now().Add(5 * time.Second)
	for st.ModTime().Equal(first) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		st, _ = os.Stat(run.Path(HeartbeatFile))
	}
	if st.ModTime().Equal(first) {
		t.Errorf("the heartbeat's modification time was never refreshed")
	}
	if alive, why := hb.Alive(st.ModTime(), time.Now()); !alive {
		t.Errorf("this process's heartbeat says dead: %s", why)
	}
	// Even an old beat is alive while the process is: on this machine the
	// answer comes from the process table, not the clock.
	if alive, why := hb.Alive(time.Now().Add(-time.Hour), time.Now()); !alive {
		t.Errorf("an hour-old beat of a live local process says dead: %s", why)
	}
	if err := beat.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(run.Path(HeartbeatFile)); !os.IsNotExist(err) {
		t.Errorf("heartbeat file still there after Stop: %v", err)
	}
	if err := beat.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestHeartbeatOfADeadProcessIsNotAlive(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child process: %v", err)
	}
	pid := cmd.Process.Pid
	hb := Heartbeat{PID: pid, Host: hostname(t), BootID: owner.BootID(), ProcStart: owner.StartTime(pid), EveryMS: 1000}
	if hb.ProcStart == 0 {
		t.Skip("no /proc on this system")
	}
	if alive, why := hb.Alive(time.Now(), time.Now()); !alive {
		t.Fatalf("live child says dead: %s", why)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	// A fresh beat does not save it: the process is gone.
	if alive, why := hb.Alive(time.Now(), time.Now()); alive {
		t.Errorf("killed child (pid %d) says alive: %s", pid, why)
	}
	// The pid of a live process with another start time is a reused pid.
	reused := Heartbeat{PID: os.Getpid(), Host: hb.Host, BootID: hb.BootID, ProcStart: owner.StartTime(os.Getpid()) + 1, EveryMS: 1000}
	if alive, why := reused.Alive(time.Now(), time.Now()); alive {
		t.Errorf("a reused pid says alive: %s", why)
	}
}

func TestHeartbeatFromAnotherMachineGoesStale(t *testing.T) {
	hb := Heartbeat{PID: 42, Host: "elsewhere", BootID: "other-boot", EveryMS: 1000}
	now := time.Now()
	if alive, why := hb.Alive(now.Add(-2*time.Second), now); !alive {
		t.Errorf("a 2 s old beat (every 1 s, stale after 5 s) says dead: %s", why)
	}
	if alive, why := hb.Alive(now.Add(-time.Minute), now); alive {
		t.Errorf("a minute-old beat says alive: %s", why)
	}
}

func TestParseHeartbeatRefusesWhatIsNotOne(t *testing.T) {
	for _, in := range []string{"", "{}", `{"pid":0,"every-ms":1000}`, `{"pid":5,"every-ms":0}`, "not json"} {
		if _, err := ParseHeartbeat([]byte(in)); err == nil {
			t.Errorf("ParseHeartbeat(%q) accepted it", in)
		}
	}
}

func hostname(t *testing.T) string {
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
