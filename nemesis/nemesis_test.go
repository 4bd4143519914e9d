package nemesis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// recorder handles fixed fs and records what it was asked to do; its Setup
// fails when failSetup is set.
type recorder struct {
	name                string
	fs                  []string
	log                 *[]string
	failSetup, failHeal bool
}

func (r recorder) Setup(context.Context, Env) (Active, error) {
	*r.log = append(*r.log, r.name+" setup")
	if r.failSetup {
		return nil, errors.New("no iptables on n2")
	}
	return recording{r}, nil
}
func (r recorder) Fs() []string { return r.fs }

// recording is a set-up recorder.
type recording struct{ recorder }

func (r recording) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	*r.log = append(*r.log, r.name+" "+op.F)
	op.Value = r.name
	return op, nil
}
func (r recording) Teardown(context.Context) error {
	*r.log = append(*r.log, r.name+" teardown")
	if r.failHeal {
		return errors.New("iptables flush failed")
	}
	return nil
}

func TestComposeRoutesByFAndHealsEveryPart(t *testing.T) {
	var log []string
	ctx := context.Background()
	both, err := Compose(
		recorder{name: "partition", fs: []string{"start-partition", "stop-partition"}, log: &log, failHeal: true},
		recorder{name: "kill", fs: []string{"kill", "start"}, log: &log},
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(both.Fs(), ","); got != "kill,start,start-partition,stop-partition" {
		t.Fatalf("Fs() = %s", got)
	}
	n, err := both.Setup(ctx, Env{})
	if err != nil {
		t.Fatal(err)
	}
	done := Call(ctx, n, history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: "kill"})
	if done.Type != history.Info || done.Value != "kill" || done.F != "kill" {
		t.Fatalf("kill completed as %v, want info from the kill nemesis", done)
	}
	bad := Call(ctx, n, history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: "bump-clock"})
	if msg, _ := bad.Error.(string); bad.Type != history.Info || !strings.Contains(msg, `no nemesis handles f "bump-clock"`) {
		t.Fatalf("unknown f completed as %v, want info naming the f", bad)
	}
	err = n.Teardown(ctx)
	if err == nil || !strings.Contains(err.Error(), "nemesis 0 (nemesis.recorder): teardown: iptables flush failed") {
		t.Fatalf("teardown error %v, want the partition's failure naming the nemesis", err)
	}
	want := "partition setup|kill setup|kill kill|partition teardown|kill teardown"
	if got := strings.Join(log, "|"); got != want {
		t.Fatalf("calls %s, want %s (the kill nemesis must heal although the partition's heal failed)", got, want)
	}
}

// A part whose setup fails fails the composed setup, naming it, and the
// parts already set up are healed: the runner never gets an active fault to
// tear down, so nothing else would heal them.
func TestComposeHealsThePartsSetUpWhenOneFails(t *testing.T) {
	var log []string
	both, err := Compose(
		recorder{name: "kill", fs: []string{"kill", "start"}, log: &log},
		recorder{name: "partition", fs: []string{"start-partition", "stop-partition"}, log: &log, failSetup: true},
	)
	if err != nil {
		t.Fatal(err)
	}
	n, err := both.Setup(context.Background(), Env{})
	if n != nil || err == nil || !strings.Contains(err.Error(), "nemesis 1 (nemesis.recorder): setup: no iptables on n2") {
		t.Fatalf("got %v, %v; want no active fault and the partition's setup error", n, err)
	}
	if got, want := strings.Join(log, "|"), "kill setup|partition setup|kill teardown"; got != want {
		t.Fatalf("calls %s, want %s", got, want)
	}
}

func TestComposeRejectsTwoNemesesClaimingOneF(t *testing.T) {
	var log []string
	_, err := Compose(recorder{name: "a", fs: []string{"kill"}, log: &log}, recorder{name: "b", fs: []string{"start", "kill"}, log: &log})
	if err == nil || !strings.Contains(err.Error(), `f "kill" is handled by both nemesis 0`) {
		t.Fatalf("got %v, want an error naming the f and both nemeses", err)
	}
}

func TestCallTurnsPanicsIntoInfo(t *testing.T) {
	done := Call(context.Background(), panicky{}, history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: "pause"})
	if msg, _ := done.Error.(string); done.Type != history.Info || done.F != "pause" || !strings.Contains(msg, "nemesis panicked: no such node") {
		t.Fatalf("got %v", done)
	}
}

type panicky struct{ Noop }

func (panicky) Invoke(context.Context, history.Op) (history.Op, error) { panic("no such node") }
