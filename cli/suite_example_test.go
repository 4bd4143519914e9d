package cli_test

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/suite"
)

// registerClient would talk to the database; here it only shows the shape.
type registerClient struct{ node string }

func (registerClient) Open(_ context.Context, node string) (client.Client, error) {
	return registerClient{node: node}, nil
}
func (registerClient) Setup(context.Context) error    { return nil }
func (registerClient) Teardown(context.Context) error { return nil }
func (registerClient) Close(context.Context) error    { return nil }

// Invoke must answer info, never fail, when it cannot know the outcome.
func (registerClient) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	return op, errors.New("not connected to a database in this example")
}

// A suite lists its workloads (package suite) and hands them to the CLI,
// which provides test, analyze and test-all with the flags Jepsen users
// know. As a binary of its own, run it as `mydb test --nodes n1,n2,n3
// --concurrency 3n --time-limit 60`; in cmd/faultline, as `faultline mydb
// test ...` (cli.Root(mydb.Suite(), ...)).
func ExampleSuiteCommand() {
	var keys int
	s := suite.Suite{
		Name: "mydb",
		Workloads: []suite.Workload{{
			Name:    "register",
			Summary: "linearizable reads, writes and compare-and-set on one register",
			Test: func(o suite.Options) (*runner.Test, error) {
				return &runner.Test{
					Client: registerClient{},
					Generator: generator.Clients(generator.Stagger(10*time.Millisecond, generator.Mix(
						generator.Repeat(generator.Invoke("read", nil)),
						generator.Func(func(ctx *generator.Context) generator.Generator {
							return generator.Invoke("write", int64(ctx.Rand.IntN(5)))
						})))),
					Checker: linear.New(model.CASRegister(nil), linear.Options{}),
					Config:  map[string]any{"keys": keys},
				}, nil
			},
		}},
		Flags: func(fs *pflag.FlagSet) { fs.IntVar(&keys, "keys", 1, "registers to test") },
	}
	root := cli.SuiteCommand(s)
	_ = root // in a real main: cli.Main(root)
}
