package suite

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// Summarized runs inner and puts what was tested in front of its summary:
// prefix (what the suite ran against, "" for nothing), then the client ops'
// outcome counts, so the one verdict line a run prints says how much was
// tested as well as what was found ("mariadb at serializable, ...; 1200 ok,
// 31 fail, 4 info; ..."). An inner result without a summary contributes its
// error instead.
func Summarized(prefix string, inner checker.Checker) checker.Checker {
	return checker.Func(func(ctx context.Context, h *history.History) checker.Result {
		res := checker.Safe(ctx, inner, h)
		counts := map[history.Type]int{}
		for _, op := range h.All() {
			if op.IsClient() && op.Type.IsCompletion() {
				counts[op.Type]++
			}
		}
		sum := fmt.Sprintf("%d ok, %d fail, %d info", counts[history.OK], counts[history.Fail], counts[history.Info])
		if prefix != "" {
			sum = prefix + "; " + sum
		}
		switch {
		case res.Summary != "":
			sum += "; " + res.Summary
		case res.Error != "":
			sum += "; " + res.Error
		}
		res.Summary = sum
		return res
	})
}
