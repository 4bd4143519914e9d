// Package checker defines what a checker is and what it returns, and how
// results merge. A checker reads a history and returns a Result: data, never
// files (rendering lives in package report). The small classic checkers live
// in sub-packages beside this one.
//
// A checker that needs one pass over a history can also be a Streamer: fed
// ops one at a time in history order (paired on the fly by a Pairer, as a
// History pairs them), it holds only what its verdict needs, so `faultline
// check` judges a file as it reads it, without building a History. Checkers
// report the phases of a long check through Phase, to whatever WithPhases
// put in their context.
package checker

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"

	"github.com/faultline/faultline/history"
)

// Validity is a checker's verdict: true, false, or unknown (the checker could
// not decide: it ran out of budget, or failed).
type Validity int8

const (
	Unknown Validity = iota
	Valid
	Invalid
)

// String returns "true", "false" or "unknown", as Jepsen prints :valid?.
func (v Validity) String() string {
	switch v {
	case Valid:
		return "true"
	case Invalid:
		return "false"
	}
	return "unknown"
}

// MarshalJSON writes true, false or "unknown".
func (v Validity) MarshalJSON() ([]byte, error) {
	switch v {
	case Valid:
		return []byte("true"), nil
	case Invalid:
		return []byte("false"), nil
	}
	return []byte(`"unknown"`), nil
}

// UnmarshalJSON reads true, false, "unknown" (or null as unknown).
func (v *Validity) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*v = Valid
	case "false":
		*v = Invalid
	case `"unknown"`, "null":
		*v = Unknown
	default:
		return fmt.Errorf("valid: expected true, false or \"unknown\", found %s", b)
	}
	return nil
}

// Merge combines two verdicts: false beats unknown beats true.
func Merge(a, b Validity) Validity {
	if a == Invalid || b == Invalid {
		return Invalid
	}
	if a == Unknown || b == Unknown {
		return Unknown
	}
	return Valid
}

// Result is what a checker found. Details holds the checker's own data (a
// counterexample, anomalies, counts): it must marshal to JSON, and renderers
// type-switch on it. Children hold the results of composed checkers.
type Result struct {
	Valid    Validity          `json:"valid"`
	Summary  string            `json:"summary,omitempty"`
	Error    string            `json:"error,omitempty"`
	Details  any               `json:"details,omitempty"`
	Children map[string]Result `json:"children,omitempty"`
}

// Checker checks a history. Implementations are pure: they read the history,
// honour ctx's cancellation (returning Unknown), and write no files.
type Checker interface {
	Check(ctx context.Context, h *history.History) Result
}

// Func adapts a function to the Checker interface.
type Func func(ctx context.Context, h *history.History) Result

// Check calls f.
func (f Func) Check(ctx context.Context, h *history.History) Result { return f(ctx, h) }

// Safe runs c, turning a panic into an Unknown result that says what
// happened, as Jepsen turns a checker's exception into :valid? :unknown.
func Safe(ctx context.Context, c Checker, h *history.History) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = Panicked(p)
		}
	}()
	return c.Check(ctx, h)
}

// Panicked is the unknown result of a checker that panicked with p (called
// from the deferred recover, so that the stack shows where).
func Panicked(p any) Result {
	return Result{Valid: Unknown, Error: fmt.Sprintf("checker panicked: %v\n%s", p, debug.Stack())}
}

// Compose runs several named checkers on the same history (in parallel) and
// merges their verdicts: false beats unknown beats true. The composed result
// lists each child under its name.
func Compose(checkers map[string]Checker) Checker {
	return Func(func(ctx context.Context, h *history.History) Result {
		names := make([]string, 0, len(checkers))
		for n := range checkers {
			names = append(names, n)
		}
		sort.Strings(names)
		results := make([]Result, len(names))
		done := make(chan int, len(names))
		for i, n := range names {
			go func() {
				results[i] = Safe(ctx, checkers[n], h)
				done <- i
			}()
		}
		for range names {
			<-done
		}
		out := Result{Valid: Valid, Children: make(map[string]Result, len(names))}
		var bad []string
		for i, n := range names {
			out.Children[n] = results[i]
			out.Valid = Merge(out.Valid, results[i].Valid)
			if results[i].Valid != Valid {
				bad = append(bad, n+"="+results[i].Valid.String())
			}
		}
		if len(bad) > 0 {
			out.Summary = fmt.Sprintf("%v", bad)
		}
		return out
	})
}

// MarshalIndent renders a result as indented JSON (for results.json).
func MarshalIndent(r Result) ([]byte, error) { return json.MarshalIndent(r, "", "  ") }
