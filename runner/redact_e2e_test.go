package runner_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suite"
)

// setClient is a correct grow-only set in memory, shared by every node.
type setClient struct {
	mu    *sync.Mutex
	elems *[]any
}

func (c setClient) Open(context.Context, string) (client.Client, error) { return c, nil }
func (setClient) Setup(context.Context) error                           { return nil }
func (setClient) Teardown(context.Context) error                        { return nil }
func (setClient) Close(context.Context) error                           { return nil }
func (c setClient) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch op.F {
	case "add":
		*c.elems = append(*c.elems, op.Value)
	case "read":
		op.Value = slices.Clone(*c.elems)
	}
	op.Type = history.OK
	return op, nil
}

// opSecrets are values the database under test stores: they look like
// secrets, and even hold the run's password, but they are the history.
var opSecrets = []any{"hunter22", "ETCD_PASSWORD=hunter22", "https://root:hunter22@n1:2379", "--password hunter22",
	history.Map{{Key: history.Keyword("token"), Value: "hunter22"}}}

// secretiveSuite adds opSecrets to a set and reads it back, with a
// configuration holding secrets of its own.
func secretiveSuite() suite.Suite {
	s := fakeSuite()
	s.Name = "secretive"
	s.Workloads = []suite.Workload{{Name: "set", Summary: "adds that look like secrets", Test: func(suite.Options) (*runner.Test, error) {
		var ops []generator.Generator
		for _, v := range opSecrets {
			ops = append(ops, generator.Invoke("add", v))
		}
		return &runner.Test{
			Client:    setClient{mu: &sync.Mutex{}, elems: new([]any)},
			Generator: generator.Clients(generator.Seq(append(ops, generator.Invoke("read", nil))...)),
			Checker:   set.Checker(),
			Config: map[string]any{"endpoints": []string{"https://root:cfgpw-url@n1:2379"}, "api-key": "cfgpw-apikey",
				"env": []string{"ETCD_ROOT_PASSWORD=cfgpw-env"}},
		}, nil
	}}}
	return s
}

// A run's secrets are hidden from config.json and run.log, the ops' values
// are stored as they were (a workload key may be named token, an element may
// equal the password), and analyze, rebuilding the test from the redacted
// config.json, gives the very results the run gave.
func TestAnalyzeOfARedactedRunGivesTheSameResults(t *testing.T) {
	dir := t.TempDir()
	var out, errs bytes.Buffer
	code := cli.Execute(cli.SuiteCommand(secretiveSuite()), []string{"test", "--store", dir, "--nodes", "n1,n2", "--concurrency", "1", "--password", "hunter22"}, &out, &errs)
	if code != cli.ExitValid {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errs.String())
	}
	run := filepath.Join(dir, "latest")
	read := func(f string) string {
		b, err := os.ReadFile(filepath.Join(run, f))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, f := range []string{runstore.ConfigFile, runstore.LogFile} {
		for _, s := range []string{"hunter22", "cfgpw-url", "cfgpw-apikey", "cfgpw-env"} {
			if strings.Contains(read(f), s) {
				t.Errorf("%s holds the secret %q:\n%s", f, s, read(f))
			}
		}
	}
	if strings.Contains(errs.String(), "hunter22") {
		t.Errorf("the terminal log shows the password:\n%s", errs.String())
	}
	for _, f := range []string{runstore.HistoryEDNFile, runstore.StreamFile} {
		for _, v := range []string{"ETCD_PASSWORD=hunter22", "https://root:hunter22@n1:2379", "--password hunter22", "token"} {
			if !strings.Contains(read(f), v) {
				t.Errorf("%s lost the op value %q:\n%s", f, v, read(f))
			}
		}
	}
	l, err := runstore.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	final := l.History.At(l.History.Len() - 1)
	if final.F != "read" || !history.Equal(final.Value, opSecrets) {
		t.Fatalf("the final read was stored as %v, want %v", final, opSecrets)
	}
	before := read(runstore.ResultsFile)
	if l.Results.Valid != checker.Valid || !strings.Contains(before, `"acknowledged-count": 5`) {
		t.Fatalf("the run's results: %s", before)
	}

	out.Reset()
	code = cli.Execute(cli.SuiteCommand(secretiveSuite()), []string{"analyze", "--store", dir}, &out, &errs)
	if code != cli.ExitValid {
		t.Fatalf("analyze: exit %d\nstdout: %s\nstderr: %s", code, out.String(), errs.String())
	}
	if after := read(runstore.ResultsFile); after != before {
		t.Fatalf("analyze of the redacted run gave other results:\n%s\nthe run gave:\n%s", after, before)
	}
}
