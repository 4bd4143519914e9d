package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/suite"
)

func TestSuiteSubcommandMountsTheSuiteUnderItsName(t *testing.T) {
	used := false
	s := suite.Suite{
		Name: "toy",
		Workloads: []suite.Workload{{Name: "w", Test: func(suite.Options) (*runner.Test, error) {
			return nil, errors.New("toy workloads need no cluster")
		}}},
		Local: func(context.Context, suite.Options) (suite.Cluster, error) {
			used = true
			return suite.Cluster{Nodes: []string{"n1"}}, nil
		},
	}
	root := Root(s)
	var out, errs bytes.Buffer
	code := Execute(root, []string{"toy", "test", "--workload", "w", "--store", t.TempDir()}, &out, &errs)
	if code != ExitBadArgs || !strings.Contains(errs.String(), "toy workloads need no cluster") {
		t.Fatalf("exit %d, stderr %q", code, errs.String())
	}
	if !used {
		t.Fatal("the suite's own Local cluster was not used")
	}
	var names []string
	for _, c := range root.Commands() {
		if c.Name() == "toy" {
			for _, sub := range c.Commands() {
				names = append(names, sub.Name())
			}
			if c.PersistentFlags().Lookup("keep-cluster") == nil {
				t.Fatal("no --keep-cluster flag")
			}
		}
	}
	if strings.Join(names, ",") != "analyze,test,test-all" {
		t.Fatalf("subcommands %v, expected analyze, test, test-all", names)
	}
}
