package combined

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/target"
	"github.com/faultline/faultline/nemesis/unsynced"
)

func TestScheduleAlternatesEachFaultAboutEveryInterval(t *testing.T) {
	p, err := New(Options{Faults: []string{"partition", "kill"}, Interval: time.Second, Targets: []target.Spec{target.MustParse("one"), target.MustParse("n1+n2")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Nemesis.Fs(), ","); got != "kill,start,start-partition,stop-partition" {
		t.Fatalf("nemesis handles %s", got)
	}
	var bands []string
	for _, f := range p.Faults {
		bands = append(bands, f.Name)
	}
	if !slices.Equal(bands, []string{"partition", "kill"}) {
		t.Fatalf("fault bands %v, want partition and kill", bands)
	}
	sim, err := generator.Simulate(p.Generator, generator.Sim{Concurrency: 2, Seed: 3, TimeLimit: 200 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]string{"start-partition": "stop-partition", "stop-partition": "start-partition", "kill": "start", "start": "kill"}
	last := map[string]string{}
	count := map[string]int{}
	for _, op := range sim.History {
		if op.Type != history.Invoke {
			continue
		}
		if !op.IsNemesis() {
			t.Fatalf("client op from the nemesis package: %v", op)
		}
		family := "partition"
		if op.F == "kill" || op.F == "start" {
			family = "kill"
		}
		if prev, ok := last[family]; ok && next[prev] != op.F {
			t.Fatalf("%s after %s: each fault must alternate on and off", op.F, prev)
		}
		if !ok(last, family) && op.F != "start-partition" && op.F != "kill" {
			t.Fatalf("%s family began with %s, want its fault first", family, op.F)
		}
		last[family] = op.F
		count[family]++
		if op.F == "kill" && op.Value != "one" && op.Value != "n1+n2" {
			t.Fatalf("kill aimed at %v, not one of the target specs", op.Value)
		}
	}
	// Each family is staggered at 1 s on its own: about 200 ops each in 200 s.
	if count["partition"] < 140 || count["partition"] > 260 || count["kill"] < 140 || count["kill"] > 260 {
		t.Fatalf("200 s at a 1 s interval gave %v nemesis ops", count)
	}
	fin, err := generator.Simulate(p.Final, generator.Sim{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	var fs []string
	for _, op := range fin.History {
		if op.Type == history.Invoke {
			fs = append(fs, op.F)
		}
	}
	if !slices.Equal(fs, []string{"stop-partition", "start"}) {
		t.Fatalf("final generator ran %v, want stop-partition then start", fs)
	}
}

func ok(m map[string]string, k string) bool { _, found := m[k]; return found }

func TestEveryNameBuildsAndBadNamesAreNamed(t *testing.T) {
	if _, err := New(Options{Faults: []string{Unsynced}}); err == nil || !strings.Contains(err.Error(), "lazyfs mount") {
		t.Fatalf("lose-unfsynced-writes without a mount: %v", err)
	}
	p, err := New(Options{Faults: Names, Mount: unsynced.Mount{Dir: "/data"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Faults) != len(Names) {
		t.Fatalf("%d bands for %d faults", len(p.Faults), len(Names))
	}
	none, err := New(Options{Faults: []string{"none"}})
	if err != nil || none.Generator != nil || none.Final != nil {
		t.Fatalf("no faults: %+v, %v", none, err)
	}
	if _, isNoop := none.Nemesis.(nemesis.Noop); !isNoop {
		t.Fatalf("no faults gave nemesis %T", none.Nemesis)
	}
	for faults, want := range map[string]string{
		"partition,earthquake": `unknown fault "earthquake": expected some of partition, kill`,
		"kill,kill":            `fault "kill" named twice`,
	} {
		if _, err := New(Options{Faults: strings.Split(faults, ",")}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", faults, err, want)
		}
	}
}

// Every fault's fs belong to exactly one family of faultband's table, so
// that its ops draw the band its legend names: a nemesis f the table does
// not know would draw a band of its own under the f's name, and one the
// table gives another family would shade the wrong fault.
func TestEveryFaultsFsBelongToItsOneBandFamily(t *testing.T) {
	for _, name := range Names {
		p, err := New(Options{Faults: []string{name}, Mount: unsynced.Mount{Dir: "/data"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Faults) != 1 {
			t.Errorf("%s: band families %+v, want one", name, p.Faults)
			continue
		}
		fam := p.Faults[0]
		for _, f := range p.Nemesis.Fs() {
			if !slices.Contains(fam.Start, f) && !slices.Contains(fam.Stop, f) && !slices.Contains(fam.Measure, f) {
				t.Errorf("%s: f %q is not in its band family %+v", name, f, fam)
			}
		}
	}
}
