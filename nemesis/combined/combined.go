// Package combined builds a test's faults from names, the way users ask for
// them (--nemesis partition,kill --nemesis-interval 10s): one nemesis that
// handles every fault asked for, the generator that schedules them (each
// fault switched on and off about every interval, the faults independent of
// each other), a final generator that heals everything before the final
// reads, and the fault bands (package faultband) of exactly those faults.
package combined

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/clock"
	"github.com/faultline/faultline/nemesis/file"
	"github.com/faultline/faultline/nemesis/grudge"
	"github.com/faultline/faultline/nemesis/membership"
	"github.com/faultline/faultline/nemesis/packet"
	"github.com/faultline/faultline/nemesis/partition"
	"github.com/faultline/faultline/nemesis/process"
	"github.com/faultline/faultline/nemesis/target"
	"github.com/faultline/faultline/nemesis/unsynced"
)

// Fault names, as --nemesis takes them.
const (
	Partition  = "partition"
	Kill       = "kill"
	Pause      = "pause"
	Packet     = "packet"
	Clock      = "clock"
	File       = "file"
	Membership = "membership"
	Unsynced   = "lose-unfsynced-writes"
)

// Names lists every fault name.
var Names = []string{Partition, Kill, Pause, Packet, Clock, File, Membership, Unsynced}

// DefaultInterval is how often each fault switches when no interval is given.
const DefaultInterval = 10 * time.Second

// Options chooses the faults.
type Options struct {
	Faults   []string
	Interval time.Duration // zero: DefaultInterval
	// Targets are the specs kill, pause, packet, clock and file faults
	// choose from at random for each op; empty: one, minority, majority, all.
	Targets []target.Spec
	Shapes  []grudge.Shape   // partition shapes; empty: every shape but primaries
	Packet  packet.Behaviour // zero: packet.Flaky
	Files   []string         // files to corrupt; empty: the DB must be a file.Filer
	Mount   unsynced.Mount   // the DB's lazyfs mount, for lose-unfsynced-writes
	Seed    uint64
}

// Package is what a test needs to run the faults.
type Package struct {
	Nemesis   nemesis.Nemesis     // nemesis.Noop{} when no faults were asked for
	Generator generator.Generator // for the nemesis thread; nil when no faults
	Final     generator.Generator // heals everything; nil when no faults
	Faults    faultband.Table     // band families of the faults asked for
}

// fault is one family: its nemesis, start and stop generators, and heal
// ops.
type fault struct {
	nem         nemesis.Nemesis
	start, stop generator.Generator
	heal        []generator.Generator
}

// New builds the package, saying which name is unknown.
func New(o Options) (Package, error) {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if len(o.Targets) == 0 {
		for _, s := range []string{"one", "minority", "majority", "all"} {
			o.Targets = append(o.Targets, target.MustParse(s))
		}
	}
	if o.Packet == (packet.Behaviour{}) {
		o.Packet = packet.Flaky
	}
	var faults []fault
	var seen []string
	for _, name := range o.Faults {
		name = strings.TrimSpace(name)
		if name == "" || name == "none" {
			continue
		}
		if slices.Contains(seen, name) {
			return Package{}, fmt.Errorf("fault %q named twice", name)
		}
		seen = append(seen, name)
		f, err := build(name, o)
		if err != nil {
			return Package{}, err
		}
		faults = append(faults, f)
	}
	if len(faults) == 0 {
		return Package{Nemesis: nemesis.Noop{}}, nil
	}
	var nems []nemesis.Nemesis
	var gens, heals []generator.Generator
	for _, f := range faults {
		nems = append(nems, f.nem)
		gens = append(gens, generator.Stagger(o.Interval, generator.FlipFlop(f.start, f.stop)))
		heals = append(heals, f.heal...)
	}
	n, err := nemesis.Compose(nems...)
	if err != nil {
		return Package{}, err
	}
	return Package{
		Nemesis:   n,
		Generator: generator.Nemesis(generator.Any(gens...)),
		Final:     generator.Nemesis(generator.Seq(heals...)),
		Faults:    faultband.Default().For(n.Fs()...),
	}, nil
}

// randomTarget is an endless generator of f ops, each aimed at a spec
// drawn from specs.
func randomTarget(f string, specs []target.Spec) generator.Generator {
	return generator.Func(func(ctx *generator.Context) generator.Generator {
		return generator.Invoke(f, specs[ctx.Rand.IntN(len(specs))].String())
	})
}

// each is an endless generator of f ops with value v.
func each(f string, v any) generator.Generator {
	return generator.Repeat(generator.Invoke(f, v))
}

func build(name string, o Options) (fault, error) {
	once := func(f string) []generator.Generator { return []generator.Generator{generator.Invoke(f, nil)} }
	switch name {
	case Partition:
		return fault{nem: partition.Nemesis{Shapes: o.Shapes, Seed: o.Seed}, start: each(partition.Start, nil), stop: each(partition.Stop, nil), heal: once(partition.Stop)}, nil
	case Kill:
		return fault{nem: process.Kill{Seed: o.Seed}, start: randomTarget(process.KillF, o.Targets), stop: each(process.StartF, nil), heal: once(process.StartF)}, nil
	case Pause:
		return fault{nem: process.Pause{Seed: o.Seed}, start: randomTarget(process.PauseF, o.Targets), stop: each(process.ResumeF, nil), heal: once(process.ResumeF)}, nil
	case Packet:
		return fault{nem: packet.Nemesis{Behaviour: o.Packet, Seed: o.Seed}, start: randomTarget(packet.Start, o.Targets), stop: each(packet.Stop, nil), heal: once(packet.Stop)}, nil
	case Clock:
		bumpOrStrobe := generator.Func(func(ctx *generator.Context) generator.Generator {
			f := []string{clock.Bump, clock.Strobe}[ctx.Rand.IntN(2)]
			return generator.Invoke(f, o.Targets[ctx.Rand.IntN(len(o.Targets))].String())
		})
		return fault{nem: clock.Nemesis{Seed: o.Seed}, start: bumpOrStrobe, stop: each(clock.Reset, nil),
			heal: append(once(clock.Reset), generator.Invoke(clock.Check, nil))}, nil
	case File:
		// Corruption is instantaneous: both halves of the flip-flop corrupt.
		return fault{nem: file.Corrupt{Files: o.Files, Seed: o.Seed}, start: randomTarget(file.Bitflip, o.Targets), stop: randomTarget(file.Truncate, o.Targets)}, nil
	case Unsynced:
		if o.Mount.Dir == "" {
			return fault{}, fmt.Errorf("fault %s needs the database's lazyfs mount (Options.Mount)", Unsynced)
		}
		return fault{nem: unsynced.Nemesis{Mount: o.Mount, Seed: o.Seed}, start: randomTarget(unsynced.Lose, o.Targets), stop: randomTarget(unsynced.Lose, o.Targets)}, nil
	case Membership:
		return fault{nem: membership.Nemesis{Seed: o.Seed}, start: each(membership.Leave, nil), stop: each(membership.Join, nil)}, nil
	}
	return fault{}, fmt.Errorf("unknown fault %q: expected some of %s", name, strings.Join(Names, ", "))
}
