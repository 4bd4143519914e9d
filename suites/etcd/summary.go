package etcd

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// summarized runs inner and puts the client ops' outcome counts in front of
// its summary, so the one verdict line a run prints says how much was
// tested as well as what was found ("1200 ok, 31 fail, 4 info; ...").
func summarized(inner checker.Checker) checker.Checker {
	return checker.Func(func(ctx context.Context, h *history.History) checker.Result {
		res := checker.Safe(ctx, inner, h)
		counts := outcomeCounts(h)
		s := fmt.Sprintf("%d ok, %d fail, %d info", counts[history.OK], counts[history.Fail], counts[history.Info])
		if res.Summary != "" {
			s += "; " + res.Summary
		}
		if res.Error != "" && res.Summary == "" {
			s += "; " + res.Error
		}
		res.Summary = s
		return res
	})
}

// outcomeCounts counts the client completions by type.
func outcomeCounts(h *history.History) map[history.Type]int {
	counts := map[history.Type]int{}
	for _, op := range h.All() {
		if op.IsClient() && op.Type.IsCompletion() {
			counts[op.Type]++
		}
	}
	return counts
}
