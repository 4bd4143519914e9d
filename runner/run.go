package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/statusline"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/osetup"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/runstore/redact"
)

// Outcome is what a run produced.
type Outcome struct {
	// Dir is the run's folder in the store.
	Dir string
	// History is everything recorded (nil if the run never started).
	History *history.History
	// Result is the checker's verdict; an interrupted run is not analysed
	// and its result is unknown.
	Result checker.Result
	// Interrupted says the run was stopped (ctx ended) before its
	// generator was done.
	Interrupted bool
}

// Run runs a test from setup to verdict (see the package doc). It returns an
// error when the run could not produce a verdict (setup failed, the disk
// failed, a generator broke the rules); even then it tears the cluster down
// and stores what it recorded.
func Run(ctx context.Context, t *Test) (Outcome, error) {
	if err := t.validate(); err != nil {
		return Outcome{}, err
	}
	start := time.Now()
	run, err := t.Store.Create(t.Name, start)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Dir: run.Dir}
	// A run that cannot even start its files still leaves the store tidy.
	abort := func(err error) (Outcome, error) { return out, errors.Join(err, run.Finish()) }
	// The heartbeat tells `faultline serve` this run is alive; it stops
	// (and its file goes) when Run returns, so a run killed on the way
	// shows as crashed, not forever running.
	beat, err := run.StartHeartbeat(0)
	if err != nil {
		return abort(err)
	}
	defer beat.Stop()
	logFile, err := os.Create(run.Path(runstore.LogFile))
	if err != nil {
		return abort(fmt.Errorf("run log: %w", err))
	}
	defer logFile.Close()
	cfg := t.configRecord()
	secrets := redact.New(cfg) // what the log and a stored error must not show
	log, term := t.logger(logFile, secrets)
	log.Info("run started", "test", t.Name, "dir", run.Dir, "nodes", t.Nodes, "concurrency", t.Concurrency, "time-limit", t.TimeLimit.String(), "seed", t.Seed)
	if err := run.WriteConfig(cfg); err != nil {
		return abort(err)
	}
	journal, err := run.OpenJournal(runstore.JournalOptions{})
	if err != nil {
		return abort(err)
	}

	ops, interrupted, runErr := t.runCluster(ctx, run, journal, log, term, start)
	out.Interrupted = interrupted
	runErr = errors.Join(runErr, journal.Close())
	if ops != nil {
		h, err := history.New(ops)
		if err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("the recorded history is malformed (a runner bug): %w", err))
		} else {
			out.History = h
		}
		runErr = errors.Join(runErr, run.WriteHistory(ops))
		log.Info("history saved", "ops", len(ops), "file", run.Path(runstore.HistoryEDNFile))
	}
	switch {
	case runErr != nil:
		log.Error("run failed", "err", runErr)
		out.Result = checker.Result{Valid: checker.Unknown, Error: secrets.Text(runErr.Error())}
		_ = run.WriteResults(out.Result)
	case interrupted:
		log.Warn("run interrupted: history saved, not analysed (re-check it with analyze)")
		out.Result = checker.Result{Valid: checker.Unknown, Error: "interrupted before analysis"}
		runErr = run.WriteResults(out.Result)
	default:
		out.Result, runErr = t.analyze(ctx, run, out.History, log)
	}
	if err := run.Finish(); err != nil {
		runErr = errors.Join(runErr, err)
	}
	return out, runErr
}

// Analyze re-checks a stored history with the test's checker, and stores the
// new results (and reports) in the run's folder dir.
func Analyze(ctx context.Context, t *Test, dir string, h *history.History) (checker.Result, error) {
	if t.Checker == nil {
		return checker.Result{}, fmt.Errorf("test %q: missing Checker", t.Name)
	}
	out := t.Output
	if out == nil {
		out = os.Stderr
	}
	log := slog.New(redact.Handler(t.handler(out), redact.New(t.configRecord())))
	return t.analyze(ctx, &runstore.Run{Dir: dir}, h, log)
}

func (t *Test) analyze(ctx context.Context, run *runstore.Run, h *history.History, log *slog.Logger) (checker.Result, error) {
	started := time.Now()
	res := checker.Safe(ctx, t.Checker, h)
	log.Info("analysis done", "valid", res.Valid.String(), "summary", res.Summary, "took", time.Since(started).Round(time.Millisecond).String())
	if err := run.WriteResults(res); err != nil {
		return res, err
	}
	writeReports(run.Dir, res, h, t.Faults, log)
	return res, nil
}

// runCluster is setup, run and teardown. It returns the recorded ops (nil if
// the run never started), whether the run was interrupted, and what failed.
func (t *Test) runCluster(ctx context.Context, run *runstore.Run, journal *runstore.Journal, log *slog.Logger, term *statusline.Terminal, start time.Time) ([]history.Op, bool, error) {
	teardownCtx := func() (context.Context, context.CancelFunc) {
		d := t.TeardownTimeout
		if d <= 0 {
			d = 2 * time.Minute
		}
		return context.WithTimeout(context.WithoutCancel(ctx), d)
	}
	host, d, nem := t.OS, t.DB, t.Nemesis
	if host == nil {
		host = osetup.Noop{}
	}
	if d == nil {
		d = db.Noop{}
	}
	if nem == nil {
		nem = nemesis.Noop{}
	}
	// setupFailed is how a setup step's error ends the run: a step cut
	// short by an interrupt is an interrupted run, not a failure.
	setupFailed := func(err error) ([]history.Op, bool, error) {
		if ctx.Err() != nil {
			log.Warn("interrupted during setup", "err", err)
			return nil, true, nil
		}
		return nil, false, err
	}
	c, err := connect(ctx, t.Remote, t.Nodes, log)
	if err != nil {
		return setupFailed(err)
	}
	defer c.conns.Close()

	// Setup. What was set up is torn down whatever happens next.
	var teardowns []func(context.Context) error
	defer func() {
		tctx, cancel := teardownCtx()
		defer cancel()
		for i := len(teardowns) - 1; i >= 0; i-- {
			if err := teardowns[i](tctx); err != nil {
				log.Error("teardown failed", "err", err)
			}
		}
	}()
	if err := c.each(ctx, "os setup", host.Setup); err != nil {
		return setupFailed(err)
	}
	teardowns = append(teardowns, func(ctx context.Context) error { return c.each(ctx, "os teardown", host.Teardown) })
	teardowns = append(teardowns, func(ctx context.Context) error {
		c.downloadLogs(ctx, d, run)
		if t.LeaveDBRunning {
			log.Info("leaving the database running")
			return nil
		}
		return c.each(ctx, "db teardown", d.Teardown)
	})
	if err := c.each(ctx, "db teardown (before setup)", d.Teardown); err != nil {
		return setupFailed(err)
	}
	if err := c.each(ctx, "db setup", d.Setup); err != nil {
		return setupFailed(err)
	}
	clients, err := c.setupClients(ctx, t.Client)
	teardowns = append(teardowns, func(ctx context.Context) error { return teardownClients(ctx, clients) })
	if err != nil {
		return setupFailed(err)
	}
	faults, err := nem.Setup(ctx, nemesis.Env{Nodes: c.nodes(), Remote: t.Remote, DB: d})
	if err != nil {
		return setupFailed(fmt.Errorf("nemesis setup: %w", err))
	}
	teardowns = append(teardowns, func(ctx context.Context) error {
		log.Info("nemesis healing")
		if err := faults.Teardown(ctx); err != nil {
			return fmt.Errorf("nemesis teardown: %w", err)
		}
		return nil
	})

	// Run.
	stats := &Stats{}
	var journalErr error
	in := &interpreter{
		concurrency: t.Concurrency, nodes: t.Nodes, client: t.Client, nemesis: faults,
		phases: t.phases(), timeLimit: t.TimeLimit, seed: t.Seed, log: log, grace: t.grace(), slack: dispatchSlack, drain: t.drainTimeout(),
		record: func(op history.Op) {
			stats.Observe(op)
			if err := journal.Append(op); err != nil && journalErr == nil {
				journalErr = err
			}
		},
	}
	progressCtx, stopProgress := context.WithCancel(ctx)
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		reportProgress(progressCtx, stats, time.Now(), t.TimeLimit, term, log, t.progressEvery())
	}()
	log.Info("run phase started")
	restoreProcs := capProcs(t.RunProcs)
	runProcs := runtime.GOMAXPROCS(0)
	wall0, cpu0 := time.Now(), processCPU()
	o, err := in.run(ctx)
	wall, cpu := time.Since(wall0), processCPU()-cpu0
	restoreProcs()
	stopProgress()
	<-progressDone
	s := stats.Snapshot()
	log.Info("run phase ended", "ops", len(o.ops), "ok", s.OK, "fail", s.Fail, "info", s.Info, "interrupted", o.interrupted,
		"seconds", wall.Seconds(), "client-ops-per-sec", int64(float64(s.completed())/wall.Seconds()),
		"framework-cpu-percent", fmt.Sprintf("%.1f", cpuShare(cpu, wall)),
		"framework-cpu-us-per-op", cpuPerOp(cpu, s.completed()),
		"generator-ns-per-call", in.nsPerGenCall(), "gomaxprocs", runProcs)
	return o.ops, o.interrupted, errors.Join(err, journalErr)
}

func (in *interpreter) nsPerGenCall() int64 {
	if in.genCalls == 0 {
		return 0
	}
	return int64(in.genTime) / in.genCalls
}

func (t *Test) phases() []generator.Generator {
	ps := []generator.Generator{t.Generator}
	if t.FinalGenerator != nil {
		ps = append(ps, t.FinalGenerator)
	}
	return ps
}

func (t *Test) grace() time.Duration {
	if t.Grace > 0 {
		return t.Grace
	}
	return 5 * time.Second
}

func (t *Test) drainTimeout() time.Duration {
	if t.DrainTimeout > 0 {
		return t.DrainTimeout
	}
	return 5 * time.Minute
}

func (t *Test) progressEvery() time.Duration {
	if t.ProgressEvery > 0 {
		return t.ProgressEvery
	}
	return 10 * time.Second
}

// configRecord is what config.json says about the test: the caller's Config
// plus what the runner knows.
func (t *Test) configRecord() map[string]any {
	cfg := map[string]any{}
	for k, v := range t.Config {
		cfg[k] = v
	}
	cfg["name"] = t.Name
	cfg["nodes"] = t.Nodes
	cfg["concurrency"] = t.Concurrency
	cfg["time-limit"] = t.TimeLimit.String()
	cfg["seed"] = t.Seed
	cfg["leave-db-running"] = t.LeaveDBRunning
	return cfg
}

// logger builds the run's logger: text lines to the run log, and text or
// JSON lines to the output, which on a terminal shares its last line with
// the live status; secrets hides the configuration's secrets in both.
func (t *Test) logger(runLog io.Writer, secrets *redact.Redactor) (*slog.Logger, *statusline.Terminal) {
	out := t.Output
	if out == nil {
		out = os.Stderr
	}
	var term *statusline.Terminal
	if !t.LogJSON && statusline.IsTerminal(out) {
		term = statusline.New(out)
		out = term
	}
	return slog.New(redact.Handler(slog.NewMultiHandler(slog.NewTextHandler(runLog, nil), t.handler(out)), secrets)), term
}

func (t *Test) handler(out io.Writer) slog.Handler {
	if t.LogJSON {
		return slog.NewJSONHandler(out, nil)
	}
	return slog.NewTextHandler(out, nil)
}
