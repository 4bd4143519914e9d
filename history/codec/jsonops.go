package codec

import (
	"io"

	"github.com/faultline/faultline/history"

	"github.com/faultline/faultline/history/edn/scan"
)

// jsonOps reads JSON histories: Faultline's JSON lines (one op object per
// line, values in the lossless encoding of jsonvalue.go) and the array of op
// objects Jepsen tooling writes,
//
//	[{"type":"invoke","f":"txn","value":[["append","x",2]],"process":0}, ...]
//
// with "process":"nemesis" for nemesis ops. Objects and arrays of objects may
// follow one another; array elements are streamed one at a time.
type jsonOps struct {
	j       jsonDecoder
	s       *scan.Scanner
	inArray bool
	array   scan.Pos // where the array being streamed opens
	first   bool     // no element of the array read yet
	b       opBuilder
}

func newJSONOps(s *scan.Scanner) *jsonOps {
	return &jsonOps{j: jsonDecoder{s: s}, s: s, b: opBuilder{s: s, json: true}}
}

func (o *jsonOps) next(dst *history.Op) (parsed, error) {
	for {
		c, ok := o.j.peek()
		if o.inArray {
			unclosed := "the history array opened at " + o.array.String() + " is never closed"
			switch {
			case !ok:
				return parsed{}, truncatedAt(o.j.eof("] to close the array opened at "+o.array.String()), o.s.Pos(), unclosed)
			case c == ']':
				o.s.Skip()
				o.inArray = false
				continue
			case c == ',' && !o.first:
				o.s.Skip()
				if c, ok = o.j.peek(); !ok {
					return parsed{}, truncatedAt(o.j.eof("an op object"), o.s.Pos(), unclosed)
				}
			case !o.first:
				return parsed{}, o.s.Errorf(o.s.Pos(), "expected ',' or ']' in the array opened at %s, found %s", o.array, quoteByte(c))
			}
			o.first = false
		} else if !ok {
			if err := o.s.ReadErr(); err != nil {
				return parsed{}, err
			}
			return parsed{}, io.EOF
		} else if c == '[' {
			o.inArray, o.array, o.first = true, o.s.Pos(), true
			o.s.Skip()
			continue
		}
		start := o.s.Pos()
		if c != '{' {
			return parsed{}, o.s.Errorf(start, "expected an op object {\"type\": ..., \"process\": ..., \"f\": ...}, found %s", quoteByte(c))
		}
		p, err := o.op(dst, start)
		if err != nil {
			return parsed{}, truncatedAt(err, start, "")
		}
		return p, nil
	}
}

func (o *jsonOps) op(dst *history.Op, start scan.Pos) (parsed, error) {
	b := &o.b
	b.reset(dst)
	err := o.j.members(func(key string, _ scan.Pos) error {
		o.j.peek()
		vp := o.s.Pos()
		if standardField(key)&(fieldIndex|fieldTime|fieldProcess) != 0 {
			if n, ok := o.j.int(); ok {
				b.setInt(key, n, vp)
				return nil
			}
		}
		v, err := o.j.value()
		if err != nil {
			return err
		}
		b.set(key, v, vp)
		return nil
	})
	if err != nil {
		return parsed{}, err
	}
	return b.finish(start)
}

// emptyReason says why a file gave no ops.
func (o *jsonOps) emptyReason() string {
	return `it holds no op object {"type": ..., "process": ..., "f": ...}, only blanks or empty arrays`
}
