// Package codec reads and writes histories in every format Faultline speaks,
// choosing the format from the file's contents when asked to: Jepsen EDN,
// Jepsen's history.txt and jepsen.log, Faultline's JSON lines, and the JSON
// array-of-objects form.
package codec

import (
	"fmt"
	"io"

	"github.com/faultline/faultline/history"
)

// Format names a history file format.
type Format string

const (
	Auto      Format = "auto"
	EDN       Format = "edn"
	JepsenLog Format = "jepsen-log" // history.txt rows, alone or inside jepsen.log lines
	JSON      Format = "json"       // JSON lines or one JSON array of op objects
)

// Warning is a problem that left the rest of the file usable, such as the
// truncated last line of a crashed run.
type Warning struct {
	File      string
	Line, Col int
	Msg       string
}

func (w Warning) String() string { return fmt.Sprintf("%s:%d:%d: %s", w.File, w.Line, w.Col, w.Msg) }

// ReadFile reads a history file in the given format.
func ReadFile(path string, f Format) (*history.History, []Warning, error) {
	return nil, nil, fmt.Errorf("%s: reading histories is not implemented yet", path)
}

// Writer writes ops one at a time (streaming), in one format.
type Writer interface {
	Write(op history.Op) error
	// Flush pushes buffered ops to the underlying writer.
	Flush() error
}

// NewWriter returns a streaming writer: EDN writes one op map per line (the
// form Jepsen's history.edn uses), JSON writes Faultline's JSON lines (one
// object per line, lossless for every value type), JepsenLog writes Jepsen's
// tab-separated history.txt rows.
func NewWriter(w io.Writer, f Format) (Writer, error) {
	return nil, fmt.Errorf("writing %s histories is not implemented yet", f)
}
