package tidb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestHealthWaitsAgainstStatusAPIs runs the health wait of every
// component against a fake status API that is healthy, slow, never
// healthy or flapping: the first two pass, the others time out with an
// error that says which, naming the component and node.
func TestHealthWaitsAgainstStatusAPIs(t *testing.T) {
	cases := []struct {
		name    string
		b       behaviour
		wantErr string // "" passes
	}{
		{"healthy", healthy, ""},
		{"slow", slow(6), ""},
		{"never healthy", never, "it never was"},
		{"flapping", flapping, "it flapped (healthy"},
	}
	for _, c := range Components() {
		for _, tc := range cases {
			t.Run(string(c)+"/"+tc.name, func(t *testing.T) {
				f := newFakeAPI(t)
				f.set("n2", c, tc.b)
				api := newStatusAPI(f.url)
				w := wait{what: c.String() + " on n2 to become healthy", timeout: 800 * time.Millisecond, interval: 20 * time.Millisecond}
				err := w.run(context.Background(), func(ctx context.Context) error { return api.healthy(ctx, c, "n2") }, nil, nil)
				if tc.wantErr == "" {
					if err != nil {
						t.Fatalf("want healthy, got %v", err)
					}
					return
				}
				var te *timeoutError
				if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), c.String()+" on n2") {
					t.Fatalf("want a timeout saying %q about %s on n2, got %v", tc.wantErr, c, err)
				}
			})
		}
	}
}

// TestWaitRestartsAServerThatExited: a server that exits while starting
// is restarted (as the Jepsen suite's restart loop does) and the wait goes
// on; one that keeps exiting is reported with the restarts counted.
func TestWaitRestartsAServerThatExited(t *testing.T) {
	up, restarts := false, 0
	w := wait{what: "PD on n1 to become healthy", timeout: 2 * time.Second, interval: 10 * time.Millisecond, stable: 2}
	err := w.run(context.Background(),
		func(context.Context) error {
			if !up {
				return errors.New("connection refused")
			}
			return nil
		},
		func(context.Context) (bool, error) { return up, nil },
		func(context.Context) error { restarts++; up = restarts >= 2; return nil })
	if err != nil || restarts != 2 {
		t.Fatalf("err %v after %d restarts, want healthy after 2", err, restarts)
	}

	w.timeout = 200 * time.Millisecond
	err = w.run(context.Background(), func(context.Context) error { return errors.New("connection refused") },
		func(context.Context) (bool, error) { return false, nil }, func(context.Context) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "restarted") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("a server that keeps exiting: %v", err)
	}
}

// TestWaitStopsWithItsContext: a cancelled setup does not wait out the
// timeout.
func TestWaitStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := wait{what: "TiDB on n1", timeout: time.Minute}.run(ctx, func(context.Context) error { return errors.New("no") }, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
}

// TestPrimariesIsPDsLeader: the PD leader's member name maps back to its
// node; a PD that does not answer is skipped; a leader of no node of the
// test is an error, not a guess.
func TestPrimariesIsPDsLeader(t *testing.T) {
	f := newFakeAPI(t)
	s, nodes := deployed(t, f)
	f.leader = "pd4"
	f.pdDown["n1"] = true
	got, err := s.Primaries(context.Background(), nodes)
	if err != nil || len(got) != 1 || got[0] != "n4" {
		t.Fatalf("Primaries = %v, %v; want [n4]", got, err)
	}
	f.leader = "pd9"
	if _, err := s.Primaries(context.Background(), nodes); err == nil || !strings.Contains(err.Error(), "pd9") {
		t.Fatalf("a leader of no node: %v", err)
	}
	for _, n := range nodes {
		f.pdDown[n.Name] = true
	}
	if _, err := s.Primaries(context.Background(), nodes); err == nil || !strings.Contains(err.Error(), "no PD named its leader") {
		t.Fatalf("no PD answering: %v", err)
	}
}
