package codec

import (
	"bufio"
	"fmt"
	"strconv"

	"github.com/faultline/faultline/history"
)

// writer writes one op per line in one format.
type writer struct {
	w      *bufio.Writer
	format Format
	buf    []byte
}

func (w *writer) Write(op history.Op) error {
	if op.Type > history.Info {
		return fmt.Errorf("op %d has type %s, which is never recorded in a history", op.Index, op.Type)
	}
	if err := checkName("op "+strconv.Itoa(op.Index)+": f", op.F); op.F != "" && err != nil {
		return err // "" is an op without f, written without it
	}
	for _, f := range op.Extra {
		if standardField(f.Name) != 0 {
			return fmt.Errorf("op %d: extra field %q clashes with the standard field of that name", op.Index, f.Name)
		}
		if err := checkName("op "+strconv.Itoa(op.Index)+": extra field", f.Name); err != nil {
			return err
		}
	}
	switch w.format {
	case EDN:
		w.buf = append(w.buf[:0], op.String()...)
	case JSON:
		w.buf = appendJSONOp(w.buf[:0], &op)
	default:
		w.buf = appendTextRow(w.buf[:0], &op)
	}
	_, err := w.w.Write(append(w.buf, '\n'))
	return err
}

func (w *writer) Flush() error { return w.w.Flush() }

// appendJSONOp writes op as one JSON object; extra fields follow the
// standard ones, in order.
func appendJSONOp(b []byte, op *history.Op) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(op.Index), 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, op.Time, 10)
	b = append(b, `,"type":"`...)
	b = append(b, op.Type.String()...)
	b = append(b, `","process":`...)
	if op.Process == history.NemesisProcess {
		b = append(b, `"nemesis"`...)
	} else {
		b = strconv.AppendInt(b, int64(op.Process), 10)
	}
	if op.F != "" { // an op without f
		b = appendJSONString(append(b, `,"f":`...), op.F)
	}
	b = appendJSON(append(b, `,"value":`...), op.Value)
	if op.Error != nil {
		b = appendJSON(append(b, `,"error":`...), op.Error)
	}
	for _, f := range op.Extra {
		b = append(appendJSONString(append(b, ','), f.Name), ':')
		b = appendJSON(b, f.Value)
	}
	return append(b, '}')
}

// appendTextRow writes op as a history.txt row: process, type, f, value and
// (if any) error, tab-separated. Unlike Jepsen, which prints the error with
// str, the error is printed as EDN, so a string error reads back as a string.
func appendTextRow(b []byte, op *history.Op) []byte {
	if op.Process == history.NemesisProcess {
		b = append(b, ":nemesis"...)
	} else {
		b = strconv.AppendInt(b, int64(op.Process), 10)
	}
	b = append(append(append(b, "\t:"...), op.Type.String()...), '\t')
	if op.F == "" {
		b = append(b, "nil"...) // an op without f, as Jepsen prints it
	} else {
		b = history.AppendEDN(b, history.Keyword(op.F))
	}
	b = history.AppendEDN(append(b, '\t'), op.Value)
	if op.Error != nil {
		b = history.AppendEDN(append(b, '\t'), op.Error)
	}
	return b
}
