// Package verdict holds what every classic checker needs around its own
// logic: the stream of client ops (ClientStream; checker.Streamed gives up,
// as unknown, when the check is cancelled), results that say why a history
// could not be checked by naming the offending op, and values printed as
// EDN (the form users see in their history files).
package verdict

import (
	"fmt"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// BadOp is an unknown result whose error names the op (its index and
// process) and says what was expected of it.
func BadOp(op history.Op, format string, args ...any) checker.Result {
	return checker.Result{Valid: checker.Unknown, Error: fmt.Sprintf("op %d (process %s, :%s %s): ", op.Index, history.ProcessString(op.Process), op.F, op.Type) + fmt.Sprintf(format, args...)}
}

// EDN renders a value as EDN text.
func EDN(v any) string { return string(history.AppendEDN(nil, v)) }

// List renders values as an EDN vector, cut after max elements with a count
// of the rest, so an explanation stays readable for huge sets.
func List(vs []any, max int) string {
	b := []byte{'['}
	for i, v := range vs {
		if i == max {
			b = fmt.Appendf(b, " ...%d more", len(vs)-max)
			break
		}
		if i > 0 {
			b = append(b, ' ')
		}
		b = history.AppendEDN(b, v)
	}
	return string(append(b, ']'))
}

// ClientStream makes a checker.Stream of a checker's walk over client ops
// (nemesis ops skipped): add sees each client op in order and may end the
// check early with a result (stop true: a malformed op, a first violation
// that settles it), after which no op reaches it; result gives the verdict
// after the last op otherwise.
func ClientStream(add func(e checker.Event) (r checker.Result, stop bool), result func() checker.Result) checker.Stream {
	return &clientStream{add: add, result: result}
}

type clientStream struct {
	add     func(checker.Event) (checker.Result, bool)
	result  func() checker.Result
	stopped *checker.Result
}

func (s *clientStream) Add(e checker.Event) {
	if s.stopped != nil || !e.Op.IsClient() {
		return
	}
	if r, stop := s.add(e); stop {
		s.stopped = &r
	}
}

func (s *clientStream) Result() checker.Result {
	if s.stopped != nil {
		return *s.stopped
	}
	return s.result()
}
