// Package hangcheck makes a hang visible to Go's fuzzer. The fuzzer stops
// an input that panics and records it in testdata/fuzz, but an input that
// loops forever just stalls its worker (executions stay at 0/sec) until
// the whole run times out, and no input is kept. Within turns "still
// running after d" into a crash of the process, with every goroutine's
// stack, which the fuzzer records like any panic. Only tests import it.
package hangcheck

import (
	"fmt"
	"runtime/debug"
	"time"
)

// Limit is how long one fuzz input may run: far more than any input of
// this project's targets needs on a loaded machine, far less than a run.
const Limit = 20 * time.Second

// Within arms a timer that crashes the process if the returned stop is not
// called within d; input says, when it fires, what was being run.
func Within(d time.Duration, input []byte) (stop func()) {
	t := time.AfterFunc(d, func() {
		debug.SetTraceback("all")
		panic(fmt.Sprintf("hang: an input still running after %s: %q", d, input[:min(len(input), 512)]))
	})
	return func() { t.Stop() }
}
