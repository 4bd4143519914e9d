// Command faultline is the Faultline binary: checking histories, running
// tests and the built-in suites, managing the local cluster.
package main

import "github.com/faultline/faultline/cli"

func main() {
	cli.Main(cli.Root())
}
