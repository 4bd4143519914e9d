// Package codec reads and writes histories in every format Faultline speaks,
// choosing the format from the file's contents when asked to: Jepsen EDN,
// Jepsen's history.txt and jepsen.log (log4j's and logback's layouts),
// Faultline's JSON lines, and the JSON array-of-objects form. gzip-compressed
// input is decompressed first, and its contents judged as any other.
//
// Everything streams: a Reader hands out one op at a time and holds no more
// of the input than the op it is reading, so the store can follow a history
// as it is written, and ReadFile keeps only the ops it returns. Malformed
// input is a *SyntaxError that says file:line:col and what was expected;
// two ops with the same index are one too. Input in which no op is found (an
// empty file, binary data, CSV, YAML, ...) is a *NoOpsError, never an empty
// history. Histories of crashed runs are expected: an op cut short on the
// last line (or a vector/array never closed) is a Warning, and the ops
// before it are returned.
//
// An op needs only its type. Histories written for Elle often have no :f (a
// transaction is known by its value): F is then "", and writers leave it out
// again (nil in history.txt rows, as Jepsen prints it). Ops carry what the
// file had, with these repairs, each reported by a Warning, so that the
// history pairs and each process runs one op at a time (see processes.go):
// a missing index becomes the op's position in the file; a process that
// invokes again after an :info completion (older Jepsen) or while its op is
// still outstanding continues under a fresh id (the earlier op stays
// uncompleted: it may or may not have happened); an op without a process
// gets a process of its own, so no checker takes two such ops for one
// process's sequence; an :invoke without a process is left out, as nothing
// says which completion is its own. ReadAll and ReadFile then take every
// completion that has no invocation (histories of completions alone, as
// Elle's examples are written, and the completions of ops without a
// process) as invoked at the start of the history (see
// history.NewInvokingAtStart): it is never the later side of a real-time
// order, and a process's completions keep their order.
//
// jepsen.log lines that start with a date and time give their ops that time
// (Op.Time, nanoseconds since the first op's line); history.txt rows and
// log4j-style lines have none, and their ops have time 0.
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
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn/scan"
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
// truncated last line of a crashed run. Line is 0 for a warning about the
// whole file (a count of repairs).
type Warning struct {
	File      string
	Line, Col int
	Msg       string
}

func (w Warning) String() string {
	if w.Line == 0 { // about the whole file
		return w.File + ": " + w.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", w.File, w.Line, w.Col, w.Msg)
}

// Options are the limits of a read, against hostile or mistaken input.
type Options struct {
	// MaxLineBytes bounds the bytes held at once while reading: one token
	// (a string, a number), or one line of the row formats (history.txt,
	// jepsen.log). More is an error naming where the run starts, so a
	// stream without line ends (/dev/zero, binary data) fails fast. 0 is
	// DefaultMaxLineBytes; negative is no bound.
	MaxLineBytes int
	// OnRead, if set, is told of the bytes read from a file as reading
	// goes (for progress); it may be called from another goroutine.
	OnRead func(n int)
}

// counted returns r telling o.OnRead of the bytes read through it, except
// the first skip bytes (told already by an earlier reader of the same).
func (o Options) counted(r io.Reader, skip int64) *countingReader {
	return &countingReader{r: r, onRead: o.OnRead, skip: skip}
}

type countingReader struct {
	r      io.Reader
	onRead func(int) // nil: count for no one
	n      int64     // bytes read so far
	skip   int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if told := min(int64(n), c.skip); c.onRead != nil {
		c.skip -= told
		c.onRead(n - int(told))
	}
	return n, err
}

// DefaultMaxLineBytes is MaxLineBytes unless set: 64 MiB.
const DefaultMaxLineBytes = scan.DefaultMaxRun

func (o Options) maxRun() int {
	if o.MaxLineBytes == 0 {
		return DefaultMaxLineBytes
	}
	return max(o.MaxLineBytes, 0)
}

// ReadFile reads a history file in the given format (Auto detects it),
// decompressing it first if it is gzip-compressed, and pairs its ops with
// history.NewInvokingAtStart. The path "-" is standard input. Warnings
// report what was skipped or repaired without failing the read: a truncated
// last op of a crashed run, processes renamed or given (see processes.go),
// completions without an invocation. Errors name the file, the line and
// column, and what was expected; input without a single op is a *NoOpsError.
func ReadFile(path string, f Format) (*history.History, []Warning, error) {
	return ReadFileWith(path, f, Options{})
}

// ReadFileWith is ReadFile within the limits of o. A device file (a
// character or block device: /dev/zero, a terminal, a disk) is refused, as
// it is not a history; a named pipe is read as standard input is.
func ReadFileWith(path string, f Format, o Options) (*history.History, []Warning, error) {
	if path == "-" {
		return ReadWith(os.Stdin, "standard input", f, o)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, nil, err
	}
	if err := notADevice(path, st.Mode()); err != nil {
		return nil, nil, err
	}
	in := o.counted(file, 0)
	rd, err := NewReaderWith(in, path, f, o)
	if err != nil {
		return nil, nil, err
	}
	// A regular file of EDN or JSON lines is parsed on every core
	// (parallel.go); compressed input, pipes and the row formats are read
	// as a stream.
	if st.Mode().IsRegular() && st.Size() >= parallelMin && !rd.gzipped && (rd.format == EDN || rd.format == JSON) {
		head := make([]byte, len(utf8BOM))
		start := int64(0)
		if n, _ := file.ReadAt(head, 0); n == len(head) && bytes.Equal(head, utf8BOM) {
			start = int64(len(utf8BOM))
		}
		p := readParallel(rd, file, st.Size(), start, o, in.n)
		defer p.close()
	}
	h, err := rd.ReadAll()
	return h, rd.Warnings(), err
}

// notADevice refuses device files: reading one never ends (/dev/zero,
// /dev/urandom), waits on a terminal, or reads a whole disk.
func notADevice(path string, m os.FileMode) error {
	switch {
	case m&os.ModeCharDevice != 0:
		return fmt.Errorf("%s is a character device, not a history file (use - to read standard input)", path)
	case m&os.ModeDevice != 0:
		return fmt.Errorf("%s is a block device, not a history file", path)
	}
	return nil
}

// Read is ReadFile of a reader; name names it in errors and warnings.
func Read(r io.Reader, name string, f Format) (*history.History, []Warning, error) {
	return ReadWith(r, name, f, Options{})
}

// ReadWith is Read within the limits of o.
func ReadWith(r io.Reader, name string, f Format, o Options) (*history.History, []Warning, error) {
	rd, err := NewReaderWith(r, name, f, o)
	if err != nil {
		return nil, nil, err
	}
	h, err := rd.ReadAll()
	return h, rd.Warnings(), err
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
