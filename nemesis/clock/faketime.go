package clock

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/control/node"
)

// FakeTimeLib is where Debian's libfaketime package puts the library.
const FakeTimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

// FakeTime returns d wrapped with libfaketime (lib, FakeTimeLib when empty)
// so that the daemon sees its wall clock offset by offset while the node's
// clock stays right: the way to skew one process where the node's clock
// cannot move (a shared kernel). The monotonic clock is left alone, so
// timeouts still work. It only works for dynamically linked programs that
// read the clock through libc: Go binaries (and other static ones) ignore
// LD_PRELOAD and see the true time.
func FakeTime(d node.Daemon, offset time.Duration, lib string) node.Daemon {
	if lib == "" {
		lib = FakeTimeLib
	}
	out := d
	out.Env = append(append([]string(nil), d.Env...),
		"LD_PRELOAD="+lib,
		fmt.Sprintf("FAKETIME=%+.3f", offset.Seconds()),
		"FAKETIME_DONT_FAKE_MONOTONIC=1",
	)
	return out
}
