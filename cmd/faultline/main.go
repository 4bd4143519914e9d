// Command faultline is the Faultline binary: checking histories, running
// tests and the built-in suites, managing the local cluster.
package main

import (
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/suites/etcd"
	"github.com/faultline/faultline/suites/sqlsuite"
)

func main() {
	cli.Main(cli.Root(
		// The suites, one line each: `faultline <name> test|test-all|analyze`.
		etcd.Suite(),
		sqlsuite.Suite(),
	))
}
