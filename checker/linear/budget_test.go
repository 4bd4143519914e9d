package linear

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear/linearsim"
	"github.com/faultline/faultline/checker/linear/model"
)

// explosive is a FIFO-queue history whose search space is far too big to
// explore: many concurrent enqueues whose order stays undecided.
func explosive() (model.Model, *linearsim.Config) {
	return model.FIFOQueue(), &linearsim.Config{Seed: 1, Ops: 400, Processes: 6, InfoRate: 0.05}
}

func TestCancelledContextMakesTheVerdictUnknown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := linearsim.Run(linearsim.Config{Seed: 1, Ops: 100, Processes: 3}, linearsim.Register(3, true))
	r := New(model.CASRegister(nil), Options{}).Check(ctx, h)
	if r.Valid != checker.Unknown || r.Summary != "search gave up before deciding: cancelled: context canceled" || r.Error != "" {
		t.Fatalf("got %s %q %q", r.Valid, r.Summary, r.Error)
	}
}

func TestDeadlineStopsAnExplodingSearchWithUnknown(t *testing.T) {
	m, cfg := explosive()
	h := linearsim.Run(*cfg, linearsim.Queue(true, cfg.Seed))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := New(m, Options{}).Check(ctx, h)
	if r.Valid != checker.Unknown || r.Summary != "search gave up before deciding: cancelled: context deadline exceeded" {
		t.Fatalf("got %s %q", r.Valid, r.Summary)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %s to notice a 200ms deadline", el)
	}
}

func TestMemoryBudgetStopsAnExplodingSearchWithUnknown(t *testing.T) {
	m, cfg := explosive()
	h := linearsim.Run(*cfg, linearsim.Queue(true, cfg.Seed))
	r := New(m, Options{MaxMemory: 4 << 20}).Check(context.Background(), h)
	if r.Valid != checker.Unknown || r.Summary != "search gave up before deciding: memory budget of 4.0 MiB exhausted" {
		t.Fatalf("got %s %q", r.Valid, r.Summary)
	}
}

func TestTimeoutOptionStopsAnExplodingSearchWithUnknown(t *testing.T) {
	m, cfg := explosive()
	h := linearsim.Run(*cfg, linearsim.Queue(true, cfg.Seed))
	start := time.Now()
	r := New(m, Options{Timeout: 100 * time.Millisecond}).Check(context.Background(), h)
	if r.Valid != checker.Unknown || r.Summary != "search gave up before deciding: time limit of 100ms reached" || time.Since(start) > 5*time.Second {
		t.Fatalf("got %s %q after %s", r.Valid, r.Summary, time.Since(start))
	}
}

// A keyed model names the key the search gave up on, and how many others
// are undecided too.
func TestAKeyedSearchThatGivesUpNamesTheKeyAndCountsTheOthers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		keys int
		tail string
	}{
		{1, ": cancelled: context canceled"},
		{2, ": cancelled: context canceled (and 1 other key is undecided)"},
		{3, ": cancelled: context canceled (and 2 other keys are undecided)"},
	} {
		h := linearsim.Run(linearsim.Config{Seed: 1, Ops: 200, Processes: 3}, linearsim.KV(c.keys, 3))
		r := New(model.KV(nil), Options{Workers: 1}).Check(ctx, h)
		key := strings.TrimSuffix(strings.TrimPrefix(r.Summary, "search gave up before deciding key "), c.tail)
		if r.Valid != checker.Unknown || len(key) != 1 || key < "0" || key >= strconv.Itoa(c.keys) {
			t.Errorf("%d keys: got %s %q, want \"search gave up before deciding key K%s\" for a key K of the history", c.keys, r.Valid, r.Summary, c.tail)
		}
	}
}
