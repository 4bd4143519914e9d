package tidb

import (
	"context"
	"fmt"
	"image/color"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/nemesis/grudge"
	"github.com/faultline/faultline/nemesis/process"
	"github.com/faultline/faultline/nemesis/target"
)

// TiDB's own faults, as --nemesis names them (the Jepsen suite's names,
// nemesis.clj and core.clj nemesis-specs), on top of nemesis/combined's
// (partition, kill and pause of every component of a node, packet,
// clock).
const (
	FaultPartitionPDLeader = "partition-pd-leader" // a partition isolating PD's leader
	FaultShuffleLeader     = "shuffle-leader"      // PD moves region leaders at random
	FaultShuffleRegion     = "shuffle-region"      // PD moves region replicas at random
	FaultRandomMerge       = "random-merge"        // PD merges adjacent regions at random
)

// componentFaults are kill-pd, kill-kv, kill-db, pause-pd, pause-kv,
// pause-db: one component of the chosen nodes, the others left running.
func componentFaults() []string {
	var out []string
	for _, kind := range []string{"kill", "pause"} {
		for _, c := range Components() {
			out = append(out, kind+"-"+string(c))
		}
	}
	return out
}

// schedulerFaults are PD's stress schedulers.
func schedulerFaults() []string {
	return []string{FaultShuffleLeader, FaultShuffleRegion, FaultRandomMerge}
}

// FaultNames lists TiDB's own faults (combined's come on top).
func FaultNames() []string {
	return append(append(componentFaults(), schedulerFaults()...), FaultPartitionPDLeader)
}

// Schedules, as --nemesis-schedule names them (core.clj): faults at random
// intervals about --nemesis-interval apart, or exactly that far apart.
const (
	ScheduleRandom = "random"
	ScheduleFixed  = "fixed"
)

// FaultOptions are the Jepsen suite's nemesis options beyond the faults.
type FaultOptions struct {
	Schedule string // ScheduleRandom (default) or ScheduleFixed
	// LongRecovery alternates LongRecoveryFaults of faults with everything
	// healed and LongRecoveryQuiet without faults (core.clj
	// --nemesis-long-recovery: 120 s and 60 s).
	LongRecovery bool
}

// The long-recovery rhythm (nemesis.clj full-generator).
const (
	LongRecoveryFaults = 120 * time.Second
	LongRecoveryQuiet  = 60 * time.Second
)

// componentControl is what the component faults need of the database.
type componentControl interface {
	KillComponent(ctx context.Context, n db.Node, c Component) error
	StartComponent(ctx context.Context, n db.Node, c Component) error
	PauseComponent(ctx context.Context, n db.Node, c Component) error
	ResumeComponent(ctx context.Context, n db.Node, c Component) error
}

// componentView is the database as nemesis/process sees it when one
// component is the target: Kill, Start, Pause and Resume act on c alone.
type componentView struct {
	db.Noop
	s componentControl
	c Component
}

func (v componentView) Kill(ctx context.Context, n db.Node) error {
	return v.s.KillComponent(ctx, n, v.c)
}
func (v componentView) Start(ctx context.Context, n db.Node) error {
	return v.s.StartComponent(ctx, n, v.c)
}
func (v componentView) Pause(ctx context.Context, n db.Node) error {
	return v.s.PauseComponent(ctx, n, v.c)
}
func (v componentView) Resume(ctx context.Context, n db.Node) error {
	return v.s.ResumeComponent(ctx, n, v.c)
}

// ComponentFault kills and starts (Pause false) or pauses and resumes
// (Pause true) one component on the targets: nemesis/process's faults with
// fs of their own (kill-pd / start-pd, pause-kv / resume-kv, ...), so all
// six can run beside combined's kill and pause.
type ComponentFault struct {
	Component Component
	Pause     bool
	Targets   target.Spec // the default for ops without one; zero: a random non-empty subset (nemesis.clj)
	Seed      uint64
}

// fs are the fault's f and its heal's f.
func (f ComponentFault) fs() (fault, heal string) {
	if f.Pause {
		return "pause-" + string(f.Component), "resume-" + string(f.Component)
	}
	return "kill-" + string(f.Component), "start-" + string(f.Component)
}

// Fs are e.g. kill-pd and start-pd.
func (f ComponentFault) Fs() []string {
	a, b := f.fs()
	return []string{a, b}
}

// Setup needs a database with per-component control (a *Server).
func (f ComponentFault) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	s, ok := env.DB.(componentControl)
	if !ok {
		return nil, fmt.Errorf("%s needs TiDB's deployment (kill, start, pause, resume of one component); %T is not it", f.Fs()[0], env.DB)
	}
	spec := f.Targets
	if spec.Kind == "" {
		spec = target.Spec{Kind: target.Random}
	}
	view := env
	view.DB = componentView{s: s, c: f.Component}
	var inner nemesis.Nemesis = process.Kill{Targets: spec, Seed: f.Seed}
	innerFault, innerHeal := process.KillF, process.StartF
	if f.Pause {
		inner, innerFault, innerHeal = process.Pause{Targets: spec, Seed: f.Seed}, process.PauseF, process.ResumeF
	}
	a, err := inner.Setup(ctx, view)
	if err != nil {
		return nil, err
	}
	fault, heal := f.fs()
	return renamed{inner: a, to: map[string]string{fault: innerFault, heal: innerHeal}}, nil
}

// renamed passes ops on to inner under inner's fs.
type renamed struct {
	inner nemesis.Active
	to    map[string]string
}

func (r renamed) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	f, ok := r.to[op.F]
	if !ok {
		return op, fmt.Errorf("this nemesis does not handle %q", op.F)
	}
	in := op
	in.F = f
	out, err := r.inner.Invoke(ctx, in)
	out.F = op.F
	return out, err
}

func (r renamed) Teardown(ctx context.Context) error { return r.inner.Teardown(ctx) }

// SchedulerFault adds one of PD's stress schedulers (the fault) and
// removes it (the heal), through any PD that answers: what `pd-ctl
// scheduler add|remove` does (nemesis.clj schedule-nemesis; PD API
// /pd/api/v1/schedulers). Name is shuffle-leader, shuffle-region or
// random-merge; the fs are the name and del-<name>.
type SchedulerFault struct {
	Name string
	Seed uint64
}

// Fs are the name and del-name.
func (f SchedulerFault) Fs() []string { return []string{f.Name, "del-" + f.Name} }

// pdStatus is what the scheduler faults need of the database: PD's API.
type pdStatus interface {
	pdAPI() *statusAPI
}

func (s *Server) pdAPI() *statusAPI { return s.api }

// Setup needs TiDB's deployment.
func (f SchedulerFault) Setup(_ context.Context, env nemesis.Env) (nemesis.Active, error) {
	s, ok := env.DB.(pdStatus)
	if !ok {
		return nil, fmt.Errorf("%s needs TiDB's deployment (PD's API); %T is not it", f.Name, env.DB)
	}
	if !slices.Contains(schedulerFaults(), f.Name) {
		return nil, fmt.Errorf("unknown PD scheduler fault %q: expected one of %s", f.Name, strings.Join(schedulerFaults(), ", "))
	}
	var nodes []string
	for _, n := range env.Nodes {
		nodes = append(nodes, n.Name)
	}
	return &scheduling{f: f, api: s.pdAPI(), nodes: nodes, rng: rand.New(rand.NewPCG(f.Seed, 0x7d1b))}, nil
}

// scheduling is a set-up SchedulerFault.
type scheduling struct {
	f     SchedulerFault
	api   *statusAPI
	nodes []string
	mu    sync.Mutex
	rng   *rand.Rand
	added bool
}

// scheduler is PD's name for the fault's scheduler.
func (s *scheduling) scheduler() string { return s.f.Name + "-scheduler" }

// viaAnyPD tries call on every node's PD in random order until one
// answers, and says which did.
func (s *scheduling) viaAnyPD(ctx context.Context, call func(ctx context.Context, node string) error) (string, error) {
	s.mu.Lock()
	order := slices.Clone(s.nodes)
	s.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	s.mu.Unlock()
	var errs []string
	for _, n := range order {
		err := call(ctx, n)
		if err == nil {
			return n, nil
		}
		errs = append(errs, err.Error())
		if ctx.Err() != nil {
			break
		}
	}
	return "", fmt.Errorf("no PD took the request: %s", strings.Join(errs, "; "))
}

func (s *scheduling) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	var via string
	var err error
	switch op.F {
	case s.f.Name:
		via, err = s.viaAnyPD(ctx, func(ctx context.Context, n string) error { return s.api.addScheduler(ctx, n, s.scheduler()) })
		if err == nil {
			s.mu.Lock()
			s.added = true
			s.mu.Unlock()
		}
	case "del-" + s.f.Name:
		via, err = s.remove(ctx)
	default:
		return op, fmt.Errorf("this nemesis handles %s, not %q", strings.Join(s.f.Fs(), " and "), op.F)
	}
	op.Value = history.Map{
		{Key: history.Keyword("scheduler"), Value: s.scheduler()},
		{Key: history.Keyword("via"), Value: via},
	}
	return op, err
}

func (s *scheduling) remove(ctx context.Context) (string, error) {
	via, err := s.viaAnyPD(ctx, func(ctx context.Context, n string) error { return s.api.removeScheduler(ctx, n, s.scheduler()) })
	if err == nil {
		s.mu.Lock()
		s.added = false
		s.mu.Unlock()
	}
	return via, err
}

// Teardown removes the scheduler if a fault added it.
func (s *scheduling) Teardown(ctx context.Context) error {
	s.mu.Lock()
	added := s.added
	s.mu.Unlock()
	if !added {
		return nil
	}
	if _, err := s.remove(ctx); err != nil {
		return fmt.Errorf("removing PD's %s: %w", s.scheduler(), err)
	}
	return nil
}

// families are the fault bands of TiDB's own faults (core.clj plot-spec's
// kill/pause per component, and one band per scheduler).
func families() faultband.Table {
	var t faultband.Table
	colours := map[string]color.RGBA{
		"kill-pd": {0xE9, 0xA4, 0xA0, 0xff}, "kill-kv": {0xE9, 0xA0, 0xB9, 0xff}, "kill-db": {0xE9, 0xA0, 0xCF, 0xff},
		"pause-pd": {0xC5, 0xA0, 0xE9, 0xff}, "pause-kv": {0xB2, 0xA0, 0xE9, 0xff}, "pause-db": {0xA6, 0xA0, 0xE9, 0xff},
		FaultShuffleLeader: {0xE9, 0xD7, 0xA0, 0xff}, FaultShuffleRegion: {0xD5, 0xE9, 0xA0, 0xff}, FaultRandomMerge: {0xA0, 0xE9, 0xB4, 0xff},
	}
	for _, name := range append(componentFaults(), schedulerFaults()...) {
		var fs []string
		if slices.Contains(schedulerFaults(), name) {
			fs = SchedulerFault{Name: name}.Fs()
		} else {
			comp := Component(name[strings.IndexByte(name, '-')+1:])
			fs = ComponentFault{Component: comp, Pause: strings.HasPrefix(name, "pause-")}.Fs()
		}
		t = append(t, faultband.Family{Name: strings.ReplaceAll(name, "-", " "), Start: fs[:1], Stop: fs[1:], Colour: colours[name]})
	}
	return t
}

// BuildFaults turns the --nemesis names into the faults of a TiDB test:
// TiDB's own (FaultNames) built here, every other name by
// nemesis/combined with o's interval, targets and seed. kill and pause
// are combined's (all three components of the target nodes);
// partition-pd-leader is combined's partition with the one shape
// primaries (Server.Primaries is PD's leader). A component fault hits one
// of o.Targets chosen at random per op (none: a random non-empty subset of
// the nodes, as the Jepsen suite). Each of TiDB's own faults
// is switched on and off about every interval (ScheduleRandom) or exactly
// every interval (ScheduleFixed); with LongRecovery, faults run for
// LongRecoveryFaults, then everything is healed and left alone for
// LongRecoveryQuiet, over and over.
func BuildFaults(o combined.Options, fo FaultOptions) (combined.Package, error) {
	if o.Interval <= 0 {
		o.Interval = combined.DefaultInterval
	}
	switch fo.Schedule {
	case "", ScheduleRandom, ScheduleFixed:
	default:
		return combined.Package{}, fmt.Errorf("--nemesis-schedule %q: expected %s or %s", fo.Schedule, ScheduleRandom, ScheduleFixed)
	}
	spacing := generator.Stagger
	if fo.Schedule == ScheduleFixed {
		spacing = generator.Delay
	}
	var rest []string
	var nems []nemesis.Nemesis
	var gens, heals []generator.Generator
	for _, name := range o.Faults {
		name = strings.TrimSpace(name)
		var nem nemesis.Nemesis
		switch {
		case name == FaultPartitionPDLeader:
			if slices.Contains(o.Faults, combined.Partition) {
				return combined.Package{}, fmt.Errorf("--nemesis: %s and %s both partition the network: name one", combined.Partition, FaultPartitionPDLeader)
			}
			rest = append(rest, combined.Partition)
			o.Shapes = []grudge.Shape{grudge.ShapePrimaries}
			continue
		case slices.Contains(componentFaults(), name):
			kind, comp, _ := strings.Cut(name, "-")
			nem = ComponentFault{Component: Component(comp), Pause: kind == "pause", Seed: o.Seed}
		case slices.Contains(schedulerFaults(), name):
			nem = SchedulerFault{Name: name, Seed: o.Seed}
		default:
			rest = append(rest, name)
			continue
		}
		fs := nem.Fs()
		nems = append(nems, nem)
		start := generator.Repeat(generator.Invoke(fs[0], nil))
		if _, ok := nem.(ComponentFault); ok && len(o.Targets) > 0 {
			start = targeted(fs[0], o.Targets)
		}
		gens = append(gens, spacing(o.Interval, generator.FlipFlop(start, generator.Repeat(generator.Invoke(fs[1], nil)))))
		heals = append(heals, generator.Invoke(fs[1], nil))
	}
	o.Faults = rest
	p, err := combined.New(o)
	if err != nil {
		return combined.Package{}, fmt.Errorf("--nemesis: %w", err)
	}
	if len(nems) > 0 {
		if _, noop := p.Nemesis.(nemesis.Noop); !noop {
			nems = append([]nemesis.Nemesis{p.Nemesis}, nems...)
		}
		if p.Nemesis, err = nemesis.Compose(nems...); err != nil {
			return combined.Package{}, fmt.Errorf("--nemesis: %w", err)
		}
		own := generator.Nemesis(generator.Any(gens...))
		ownHeal := generator.Nemesis(generator.Seq(heals...))
		if p.Generator == nil {
			p.Generator, p.Final = own, ownHeal
		} else {
			p.Generator, p.Final = generator.Any(p.Generator, own), generator.Seq(p.Final, ownHeal)
		}
		p.Faults = append(p.Faults, families().For(p.Nemesis.Fs()...)...)
	}
	if fo.LongRecovery && p.Generator != nil {
		p.Generator = generator.Nemesis(generator.Cycle(generator.Seq(
			generator.TimeLimit(LongRecoveryFaults, p.Generator),
			p.Final,
			generator.SleepFor(LongRecoveryQuiet))))
	}
	return p, nil
}

// targeted is an endless generator of f on one of specs, chosen at
// random for each op (as combined's kill and pause choose theirs).
func targeted(f string, specs []target.Spec) generator.Generator {
	return generator.Func(func(ctx *generator.Context) generator.Generator {
		return generator.Invoke(f, specs[ctx.Rand.IntN(len(specs))].String())
	})
}
