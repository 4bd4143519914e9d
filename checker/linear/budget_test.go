package linear

import (
	"context"
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
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "cancelled") {
		t.Fatalf("got %s %q", r.Valid, r.Error)
	}
}

func TestDeadlineStopsAnExplodingSearchWithUnknown(t *testing.T) {
	m, cfg := explosive()
	h := linearsim.Run(*cfg, linearsim.Queue(true, cfg.Seed))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := New(m, Options{}).Check(ctx, h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "deadline exceeded") {
		t.Fatalf("got %s %q", r.Valid, r.Error)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %s to notice a 200ms deadline", el)
	}
}

func TestMemoryBudgetStopsAnExplodingSearchWithUnknown(t *testing.T) {
	m, cfg := explosive()
	h := linearsim.Run(*cfg, linearsim.Queue(true, cfg.Seed))
	r := New(m, Options{MaxMemory: 4 << 20}).Check(context.Background(), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "memory budget") {
		t.Fatalf("got %s %q", r.Valid, r.Error)
	}
}

func TestTimeoutOptionStopsAnExplodingSearchWithUnknown(t *testing.T) {
	m, cfg := explosive()
	h := linearsim.Run(*cfg, linearsim.Queue(true, cfg.Seed))
	start := time.Now()
	r := New(m, Options{Timeout: 100 * time.Millisecond}).Check(context.Background(), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "deadline exceeded") || time.Since(start) > 5*time.Second {
		t.Fatalf("got %s %q after %s", r.Valid, r.Error, time.Since(start))
	}
}
