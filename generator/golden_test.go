package generator

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden schedules in testdata/ from this run")

// TestSeededSchedulesAreExact pins, for the combinators that draw random
// numbers, the exact (time, process, type, f, value) sequence one seed gives.
// The other tests check these combinators' properties; this one catches any
// change to a schedule a seed reproduces (users rerun failing tests by
// seed). A deliberate change is recorded with go test -run Seeded -update.
func TestSeededSchedulesAreExact(t *testing.T) {
	abc := func() Generator {
		return Mix(Repeat(Invoke("a", nil)), Repeat(Invoke("b", nil)), Repeat(Invoke("c", nil)))
	}
	cases := []struct {
		name string
		gen  Generator
		sim  Sim
	}{
		{"mix", Clients(Limit(8, abc())), Sim{Concurrency: 2, Seed: 1}},
		{"stagger", Clients(Limit(6, Stagger(3*time.Millisecond, Repeat(read())))), Sim{Concurrency: 2, Seed: 1}},
		{"any-ties", Any(Clients(Limit(3, Repeat(Invoke("c", nil)))), Nemesis(Limit(2, Repeat(Invoke("n", nil))))), Sim{Concurrency: 1, Seed: 1}},
		{"each-thread", Clients(EachThread(Limit(2, abc()))), Sim{Concurrency: 2, Seed: 1}},
		{"reserve", Clients(Reserve([]Reservation{{Threads: 1, Gen: Repeat(Invoke("w", nil))}}, Repeat(read()))), Sim{Concurrency: 3, Seed: 1, OpLimit: 6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(lines(run(t, c.gen, c.sim).History), "\n") + "\n"
			path := filepath.Join("testdata", "seeded-"+c.name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (record it with go test -run Seeded -update)", err)
			}
			if got != string(want) {
				t.Fatalf("seed %d gives a different schedule than %s:\n%s\nwant:\n%s", c.sim.Seed, path, got, want)
			}
		})
	}
}
