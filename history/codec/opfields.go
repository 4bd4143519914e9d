package codec

import (
	"fmt"
	"math"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
	"github.com/faultline/faultline/history/edn/scan"
)

// The fields every op has; any other field goes to Op.Extra in order.
const (
	fieldIndex uint8 = 1 << iota
	fieldTime
	fieldType
	fieldProcess
	fieldF
	fieldValue
	fieldError
)

// standardField returns the bit of a standard field, 0 for any other name.
// (A switch: this runs for every field of every op, and beats a map.)
func standardField(name string) uint8 {
	switch name {
	case "index":
		return fieldIndex
	case "time":
		return fieldTime
	case "type":
		return fieldType
	case "process":
		return fieldProcess
	case "f":
		return fieldF
	case "value":
		return fieldValue
	case "error":
		return fieldError
	}
	return 0
}

// opBuilder collects the fields of one op read from an EDN map or a JSON
// object and checks them, with errors that name the field and its place in
// the notation of the file (":type" in EDN, "\"type\"" in JSON).
type opBuilder struct {
	s    *scan.Scanner
	json bool
	op   *history.Op // the op being filled in
	seen uint8
	// noProcess is set by a process written as nil, which is no process,
	// as a missing one is.
	noProcess bool
	// err is the first bad field. It is reported only once the whole op has
	// been read: if the input ends first, the op was cut short (":type :in"
	// is a truncated ":type :invoke", not a bad type).
	err error
}

// reset starts filling in dst.
func (b *opBuilder) reset(dst *history.Op) {
	*dst = history.Op{}
	b.op, b.seen, b.noProcess, b.err = dst, 0, false, nil
}

func (b *opBuilder) fieldName(name string) string {
	if b.json {
		return `"` + name + `"`
	}
	return ":" + name
}

func (b *opBuilder) show(v any) string {
	if b.json {
		return string(appendJSON(nil, v))
	}
	return history.FormatEDN(v)
}

// set records field name = v, read at p; a bad value is kept for finish.
func (b *opBuilder) set(name string, v any, p scan.Pos) {
	if err := b.check(name, v, p); err != nil && b.err == nil {
		b.err = err
	}
}

// check records field name = v, or says why it cannot.
func (b *opBuilder) check(name string, v any, p scan.Pos) error {
	bit := standardField(name)
	if bit == 0 {
		b.op.Extra = append(b.op.Extra, history.Field{Name: name, Value: v})
		return nil
	}
	if b.seen&bit != 0 {
		return b.s.Errorf(p, "op has %s twice", b.fieldName(name))
	}
	b.seen |= bit
	switch bit {
	case fieldIndex:
		n, ok := history.AsInt(v)
		if !ok || n < 0 || int64(int(n)) != n {
			return b.s.Errorf(p, "%s must be a non-negative integer, found %s", b.fieldName(name), b.show(v))
		}
		b.op.Index = int(n)
	case fieldTime:
		n, ok := history.AsInt(v)
		if !ok {
			return b.s.Errorf(p, "%s must be an integer (nanoseconds), found %s", b.fieldName(name), b.show(v))
		}
		b.op.Time = n
	case fieldType:
		t, ok := opType(v)
		if !ok {
			return b.s.Errorf(p, "%s must be one of %s, found %s", b.fieldName(name), b.typeChoices(), b.show(v))
		}
		b.op.Type = t
	case fieldProcess:
		if v == nil {
			b.noProcess = true
			return nil
		}
		proc, ok := opProcess(v)
		if !ok {
			return b.s.Errorf(p, "%s must be a non-negative integer or %s, found %s", b.fieldName(name), b.show(nemesisValue(b.json)), b.show(v))
		}
		b.op.Process = proc
	case fieldF:
		if v == nil {
			return nil // no f, as a missing one
		}
		f, ok := history.AsString(v)
		if !ok || f == "" {
			return b.s.Errorf(p, "%s must be a non-empty keyword or string naming the operation (or nil), found %s", b.fieldName(name), b.show(v))
		}
		b.op.F = f
	case fieldValue:
		b.op.Value = v
	case fieldError:
		b.op.Error = v
	}
	return nil
}

// setInt is set for an integer, without boxing it when it is the index,
// time or process (the common case, worth a fast path).
func (b *opBuilder) setInt(name string, n int64, p scan.Pos) {
	bit := standardField(name)
	if bit&(fieldIndex|fieldTime|fieldProcess) == 0 || b.seen&bit != 0 || n > math.MaxInt32 && bit != fieldTime {
		b.set(name, n, p) // the general path, with its checks and messages
		return
	}
	b.seen |= bit
	switch bit {
	case fieldIndex:
		b.op.Index = int(n)
	case fieldTime:
		b.op.Time = n
	default:
		b.op.Process = int(n)
	}
}

// finish checks that the op had its one required field, its type; start is
// where the op begins. An op may lack :f (Elle's histories know a
// transaction by its value) and :process (see processes).
func (b *opBuilder) finish(start scan.Pos) (parsed, error) {
	if b.err != nil {
		return parsed{}, b.err
	}
	if b.seen&fieldType == 0 {
		return parsed{}, b.s.Errorf(start, "op has no %s: every op needs one, %s", b.fieldName("type"), b.typeChoices())
	}
	return parsed{pos: start, hasIndex: b.seen&fieldIndex != 0, hasProcess: b.seen&fieldProcess != 0 && !b.noProcess}, nil
}

func (b *opBuilder) typeChoices() string {
	if b.json {
		return `"invoke", "ok", "fail", "info"`
	}
	return ":invoke, :ok, :fail, :info"
}

func nemesisValue(json bool) any {
	if json {
		return "nemesis"
	}
	return history.Keyword("nemesis")
}

// opType accepts the four recorded types as keywords or strings, with or
// without a colon.
func opType(v any) (history.Type, bool) {
	s, ok := history.AsString(v)
	if !ok {
		return 0, false
	}
	t, err := history.ParseType(s)
	return t, err == nil && t <= history.Info
}

// opProcess accepts a non-negative integer or nemesis (keyword or string).
func opProcess(v any) (int, bool) {
	if s, ok := history.AsString(v); ok {
		return history.NemesisProcess, s == "nemesis" || s == ":nemesis"
	}
	n, ok := history.AsInt(v)
	if !ok || n < 0 || int64(int(n)) != n {
		return 0, false
	}
	return int(n), true
}

// checkName reports whether name can be written as an EDN keyword (the EDN
// and text writers write f and extra field names as keywords).
func checkName(what, name string) error {
	if !edn.IsName(name) {
		return fmt.Errorf("%s %q cannot be written as an EDN keyword", what, name)
	}
	return nil
}
