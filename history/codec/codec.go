// Package codec reads and writes histories in every format Faultline speaks,
// choosing the format from the file's contents when asked to: Jepsen EDN,
// Jepsen's history.txt and jepsen.log, Faultline's JSON lines, and the JSON
// array-of-objects form.
//
// Everything streams: a Reader hands out one op at a time and holds no more
// of the input than the op it is reading, so the store can follow a history
// as it is written, and ReadFile keeps only the ops it returns. Malformed
// input is a *SyntaxError that says file:line:col and what was expected.
// Histories of crashed runs are expected: an op cut short on the last line
// (or a vector/array never closed) is a Warning, and the ops before it are
// returned. Ops carry what the file had, with two repairs: a missing index
// becomes the op's position, and a process that invokes again after an :info
// completion (older Jepsen) continues under a fresh id, with a Warning (see
// processes.go), so that the history pairs and each process runs one op at a
// time.
//
// Faultline's JSON lines are one op object per line,
//
//	{"index":3,"time":81234567,"type":"ok","process":2,"f":"read","value":4,"node":"n1"}
//
// ("process":"nemesis" for the nemesis; extra fields after the standard
// ones). Plain JSON values stay plain; every EDN value JSON cannot say is a
// one-key object: {"#keyword":"append"}, {"#symbol":"x"}, {"#char":"a"},
// {"#list":[...]}, {"#set":[...]}, {"#map":[[k,v],...]} (maps with non-string
// keys), {"#bigint":"5"} (a big integer within int64; larger ones are plain
// numbers), {"#float":"NaN"} (and "Inf", "-Inf"), {"#tagged":["inst","..."]}.
// Floats always carry a '.' or an exponent, so integers and floats keep their
// types, and EDN -> JSON lines -> EDN gives back the same text.
package codec

import (
	"bufio"
	"fmt"
	"io"
	"os"

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

// ReadFile reads a history file in the given format (Auto detects it) and
// pairs its ops with history.New. Warnings report what was skipped or
// repaired without failing the read: a truncated last op of a crashed run,
// processes renamed after re-invoking following an :info completion.
// Errors name the file, the line and column, and what was expected.
func ReadFile(path string, f Format) (*history.History, []Warning, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	r, err := NewReader(file, path, f)
	if err != nil {
		return nil, nil, err
	}
	h, err := r.ReadAll()
	return h, r.Warnings(), err
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
	switch f {
	case EDN, JSON, JepsenLog:
		return &writer{w: bufio.NewWriter(w), format: f}, nil
	}
	return nil, fmt.Errorf("cannot write %q histories: expected edn, json or jepsen-log", f)
}
