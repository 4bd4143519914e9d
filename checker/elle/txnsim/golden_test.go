package txnsim

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/history-hashes.txt from this run")

// goldenVariant is one family of configurations the hashes pin, run for
// every behaviour, workload and seed.
type goldenVariant struct {
	name  string
	seeds []uint64
	c     Config
}

// goldenVariants cover the knobs that change what the simulator draws:
// sizes, contention and key retirement, info outcomes, final reads, the
// fault fractions, a short Lag, and the configurations other packages pin
// by seed (checker/elle's brute-force test, seed 496 among them, and its
// benchmarks' seed 1).
var goldenVariants = []goldenVariant{
	{"default", []uint64{1, 2, 3}, Config{Txns: 300}},
	{"contended", []uint64{1, 2, 3}, Config{Txns: 120, Processes: 4, ActiveKeys: 2, MaxMops: 3, MaxWritesPerKey: 8}},
	{"info", []uint64{1, 2, 3}, Config{Txns: 300, Processes: 5, InfoFraction: 0.15}},
	{"final-reads", []uint64{1, 2, 3}, Config{Txns: 80, Processes: 3, ActiveKeys: 3, InfoFraction: 0.1, FinalReads: true}},
	{"fractions", []uint64{1, 2, 3}, Config{Txns: 150, Processes: 4, ActiveKeys: 1, InfoFraction: 0.1, FinalReads: true, LossFraction: 0.3, StaleFraction: 0.3, AbortFraction: 0.2}},
	{"short-lag", []uint64{1, 2, 3}, Config{Txns: 200, Processes: 5, ActiveKeys: 3, Latency: 1000, Lag: 10, ReadFraction: 0.3}},
	{"brute-force", []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 496}, Config{Txns: 8, Processes: 4, ActiveKeys: 3, InfoFraction: 0.15, Latency: 1_000_000, Lag: 6_000_000}},
	{"large", []uint64{1}, Config{Txns: 5000}},
}

// goldenDigest hashes what Generate gives for c under each seed: every op
// as Jepsen EDN, the labels, or the error.
func goldenDigest(c Config, seeds []uint64) string {
	sum := sha256.New()
	for _, seed := range seeds {
		c.Seed = seed
		h, labels, err := GenerateLabelled(c)
		fmt.Fprintf(sum, "seed %d\n", seed)
		if err != nil {
			fmt.Fprintf(sum, "error %v\n", err)
			continue
		}
		for _, op := range h.All() {
			fmt.Fprintln(sum, op.String())
		}
		fmt.Fprintf(sum, "realtime-violated %v\n", labels.RealtimeViolated)
	}
	return fmt.Sprintf("%x", sum.Sum(nil))
}

// TestHistoriesAreExact pins the exact histories every behaviour, workload
// and seed gives, through a hash of their EDN. Other tests (checker/elle's
// brute-force and oracle comparisons) name seeds whose histories once broke
// something; a refactoring of the simulator must leave them byte for byte
// as they were. A deliberate change is recorded with
// go test -run Exact -update, and says in its commit why every history
// moved.
func TestHistoriesAreExact(t *testing.T) {
	if testing.Short() {
		t.Skip("generates about 300,000 ops")
	}
	var lines []string
	for _, b := range Behaviours {
		for _, w := range []Workload{ListAppend, RWRegister} {
			for _, v := range goldenVariants {
				c := v.c
				c.Behaviour, c.Workload = b, w
				lines = append(lines, fmt.Sprintf("%s %s %s %s", b, w, v.name, goldenDigest(c, v.seeds)))
			}
		}
	}
	got := strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", "history-hashes.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (record it with go test -run Exact -update)", err)
	}
	want := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(want) != len(lines) {
		t.Fatalf("%s has %d lines, this run %d: the matrix changed (record it with -update)", path, len(want), len(lines))
	}
	for i := range lines {
		if lines[i] != want[i] {
			t.Errorf("the histories changed:\n got %s\nwant %s", lines[i], want[i])
		}
	}
}
