package sqlworkload

import (
	"fmt"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workload/txn"
)

// mop is one micro-op of an Elle transaction: [f key value].
type mop struct {
	f   history.Keyword
	key int64
	val int64
}

// parseMops reads a txn op's micro-ops, whose writes must be write.
func parseMops(op history.Op, write history.Keyword) ([]mop, error) {
	if op.F != txn.F {
		return nil, fmt.Errorf("op %d: f %q, expected %s", op.Index, op.F, txn.F)
	}
	xs, ok := history.AsSlice(op.Value)
	if !ok {
		return nil, fmt.Errorf("op %d: txn value %s, expected a list of micro-ops", op.Index, history.FormatEDN(op.Value))
	}
	out := make([]mop, len(xs))
	for i, x := range xs {
		m, ok := history.AsSlice(x)
		if !ok || len(m) != 3 {
			return nil, fmt.Errorf("op %d: micro-op %d %s, expected [f key value]", op.Index, i, history.FormatEDN(x))
		}
		f, okF := history.AsString(m[0])
		k, okK := history.AsInt(m[1])
		out[i] = mop{f: history.Keyword(f), key: k}
		switch {
		case !okF || !okK:
			return nil, fmt.Errorf("op %d: micro-op %d %s, expected [f integer-key value]", op.Index, i, history.FormatEDN(x))
		case out[i].f == txn.Read:
		case out[i].f == write:
			if out[i].val, ok = history.AsInt(m[2]); !ok {
				return nil, fmt.Errorf("op %d: micro-op %d %s, expected an integer value", op.Index, i, history.FormatEDN(x))
			}
		default:
			return nil, fmt.Errorf("op %d: micro-op %d %s, expected :r or :%s", op.Index, i, history.FormatEDN(x), write)
		}
	}
	return out, nil
}

// table is the table holding key: keys are striped over count tables
// named prefix0, prefix1, ...
func table(prefix string, key int64, count int) string {
	return fmt.Sprintf("%s%d", prefix, key%int64(max(count, 1)))
}

// tableSchema drops and creates count tables prefix0.. with an integer
// key id and a value column of type valType.
func tableSchema(prefix string, count int, valType string) []string {
	var out []string
	for i := range max(count, 1) {
		name := fmt.Sprintf("%s%d", prefix, i)
		out = append(out, "DROP TABLE IF EXISTS "+name,
			fmt.Sprintf("CREATE TABLE %s (id BIGINT NOT NULL PRIMARY KEY, val %s)", name, valType))
	}
	return out
}
