package edn

import (
	"bufio"
	"io"

	"github.com/faultline/faultline/history"
)

// Encoder writes values as EDN, one per line, through history.AppendEDN (the
// project's one EDN printer), so whatever the Decoder reads it writes back.
type Encoder struct {
	w   *bufio.Writer
	buf []byte
}

// NewEncoder returns an encoder writing to w; call Flush when done.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: bufio.NewWriter(w)} }

// Encode writes v and a newline.
func (e *Encoder) Encode(v any) error {
	e.buf = append(history.AppendEDN(e.buf[:0], v), '\n')
	_, err := e.w.Write(e.buf)
	return err
}

// Flush writes any buffered data to the underlying writer.
func (e *Encoder) Flush() error { return e.w.Flush() }
