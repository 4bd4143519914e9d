package codec

import (
	"io"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
	"github.com/faultline/faultline/history/edn/scan"
)

// opRecordTag is the tag Clojure prints Jepsen's op records with.
const opRecordTag = "jepsen.history.Op"

// ednOps reads Jepsen EDN histories: op maps (or #jepsen.history.Op records)
// one after another, typically one per line as Jepsen's history.edn has
// them, and/or inside top-level vectors or lists, whose elements are streamed
// one at a time.
type ednOps struct {
	d    *edn.Decoder
	s    *scan.Scanner
	coll *edn.Coll // the top-level vector or list being streamed, if any
	b    opBuilder
}

func newEDNOps(s *scan.Scanner) *ednOps {
	return &ednOps{d: edn.OnScanner(s), s: s, b: opBuilder{s: s}}
}

func (e *ednOps) next(dst *history.Op) (parsed, error) {
	for {
		if e.coll != nil {
			more, err := e.d.More(*e.coll)
			if err != nil {
				return parsed{}, truncatedAt(err, e.s.Pos(), "the history "+e.coll.Kind+" opened at "+e.coll.Pos.String()+" is never closed")
			}
			if !more {
				e.coll = nil
				continue
			}
			return e.op(dst)
		}
		c, ok, err := e.d.Peek()
		if err != nil {
			return parsed{}, truncatedAt(err, e.s.Pos(), "")
		}
		if !ok {
			return parsed{}, io.EOF
		}
		if c == '[' || c == '(' {
			coll, err := e.d.Open()
			if err != nil {
				return parsed{}, err
			}
			e.coll = &coll
			continue
		}
		return e.op(dst)
	}
}

// op reads one op map or record.
func (e *ednOps) op(dst *history.Op) (parsed, error) {
	start := e.d.Pos()
	p, err := e.readOp(dst, start)
	if err != nil {
		return parsed{}, truncatedAt(err, start, "")
	}
	return p, nil
}

func (e *ednOps) readOp(dst *history.Op, start scan.Pos) (parsed, error) {
	d := e.d
	if d.IsTag() {
		tag, err := d.Tag()
		if err != nil {
			return parsed{}, err
		}
		if tag != opRecordTag {
			return parsed{}, e.s.Errorf(start, "expected an op map or a #%s record, found #%s", opRecordTag, tag)
		}
	}
	c, ok, err := d.Peek()
	switch {
	case err != nil:
		return parsed{}, err
	case !ok:
		return parsed{}, e.s.EOFErrorf("expected an op map {...}, found EOF")
	case c != '{':
		at := d.Pos()
		v, err := d.Value()
		if err != nil {
			return parsed{}, err
		}
		return parsed{}, e.s.Errorf(at, "expected an op map {:type ..., :process ..., :f ..., ...}, found %s", clip(history.FormatEDN(v)))
	}
	m, err := d.Open()
	if err != nil {
		return parsed{}, err
	}
	b := &e.b
	b.reset(dst)
	for {
		more, err := d.More(m)
		if err != nil {
			return parsed{}, err
		}
		if !more {
			break
		}
		kp := d.Pos()
		k, err := d.Value()
		if err != nil {
			return parsed{}, err
		}
		name, ok := k.(history.Keyword)
		if !ok {
			return parsed{}, e.s.Errorf(kp, "op map keys must be keywords such as :type, found %s", clip(history.FormatEDN(k)))
		}
		if more, err := d.More(m); err != nil || !more {
			if err == nil {
				err = e.s.Errorf(kp, "op map key :%s has no value before the closing }", name)
			}
			return parsed{}, err
		}
		vp := d.Pos()
		if standardField(string(name))&(fieldIndex|fieldTime|fieldProcess) != 0 {
			if n, ok, err := d.Int(); err != nil {
				return parsed{}, err
			} else if ok {
				b.setInt(string(name), n, vp)
				continue
			}
		}
		v, err := d.Value()
		if err != nil {
			return parsed{}, err
		}
		b.set(string(name), v, vp)
	}
	return b.finish(start)
}

// clip shortens a rendering of a value for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// emptyReason says why a file gave no ops.
func (e *ednOps) emptyReason() string {
	return "it holds no op map {:type ..., :process ..., :f ...}, only blanks, comments or empty collections"
}
