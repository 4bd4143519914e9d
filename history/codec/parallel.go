package codec

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn/scan"
)

// Jepsen writes one op per line, so a regular file of EDN or JSON lines
// can be cut at line ends into chunks that are parsed on every core and
// handed out in order. The result must be exactly the sequential reader's,
// errors included, so a chunk counts only if it parses to its end, with
// nothing left open, as what the sequential reader would see from the same
// byte: at the top level, between ops. A chunk that does not (a syntax
// error, an op or a vector that runs past the chunk's end, as pretty-printed
// and multi-line histories have) and everything after it are read by the
// sequential reader, starting at that chunk's first line, which then gives
// the same ops, positions and errors as if it had read the whole file.

// parallelChunk is the bytes a chunk holds at least: big enough that the
// hand-off costs nothing next to parsing it, small enough to keep every
// core busy and little in flight. (A var so that tests cut small files.)
var parallelChunk = 1 << 20

// parallelMin is the smallest file read in parallel; below it the
// goroutines would cost more than they save.
var parallelMin int64 = 8 << 20

// chunk is a run of whole lines and, once parsed, its ops.
type chunk struct {
	buf  []byte   // owned while parsing; nil once returned to the pool
	off  int64    // where it starts in the file
	pos  scan.Pos // where its first byte is (1:4 after a UTF-8 BOM)
	ops  []history.Op
	ps   []parsed
	ok   bool          // parsed to its end, between ops
	done chan struct{} // closed once parsed
}

// parallelOps is the opSource of a parallel read: ops of the parsed chunks
// in order, then, after the first chunk that does not parse cleanly (or a
// line too long to cut at), the sequential reader from there on.
type parallelOps struct {
	r      *Reader
	file   *os.File
	size   int64
	o      Options
	order  chan *chunk // chunks in file order, parsed or being parsed
	stop   chan struct{}
	wg     sync.WaitGroup
	bufs   chan []byte
	spent  chan *chunk // chunks handed out, whose op slices a worker may reuse
	cur    *chunk
	i      int
	seq    opSource // the sequential reader, after a fallback
	told   int64    // the bytes from the start told to Options.OnRead
	closed bool
}

// readParallel makes r read file in parallel from byte start (after a BOM),
// if the file is worth it and its format can be cut at lines.
func readParallel(r *Reader, file *os.File, size, start int64, o Options, told int64) *parallelOps {
	workers := runtime.GOMAXPROCS(0)
	p := &parallelOps{
		r: r, file: file, size: size, o: o, told: told,
		order: make(chan *chunk, 2*workers),
		stop:  make(chan struct{}),
		bufs:  make(chan []byte, 3*workers),
		spent: make(chan *chunk, 3*workers),
	}
	jobs := make(chan *chunk)
	for w := 0; w < workers; w++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			var cp chunkParser
			for c := range jobs {
				select { // reuse a handed-out chunk's (emptied) op slices
				case old := <-p.spent:
					c.ops, c.ps = old.ops[:0], old.ps[:0]
				default:
				}
				cp.parse(r.format, r.name, c)
				select { // parsed values copy what they keep of the bytes
				case p.bufs <- c.buf[:cap(c.buf)]:
				default:
				}
				c.buf = nil
				close(c.done)
			}
		}()
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(jobs)
		defer close(p.order)
		p.cut(start, jobs)
	}()
	r.src = p
	return p
}

// cut reads the file from off in chunks that end at a line end, and sends
// each to a worker and, in order, to the reader. A line longer than a
// chunk is sent unparsed, so that the sequential reader takes over there
// (and holds it within the limit of Options.MaxLineBytes); so is a chunk
// the file could not be read into, so that the sequential reader reports
// the error.
func (p *parallelOps) cut(off int64, jobs chan<- *chunk) {
	pos := scan.Pos{Line: 1, Col: int(off) + 1} // off > 0 after a BOM, on line 1
	for off < p.size {
		var buf []byte
		select {
		case buf = <-p.bufs:
		default:
			buf = make([]byte, parallelChunk)
		}
		n, err := p.file.ReadAt(buf[:min(int64(len(buf)), p.size-off)], off)
		end := n
		if off+int64(n) < p.size { // cut after the last whole line
			end = bytes.LastIndexByte(buf[:n], '\n') + 1
		}
		if err != nil && err != io.EOF || end == 0 {
			p.send(&chunk{off: off, pos: pos, done: closedChan})
			return
		}
		if next := off + int64(end); next > p.told && p.o.OnRead != nil {
			p.o.OnRead(int(next - p.told))
			p.told = next
		}
		c := &chunk{buf: buf[:end], off: off, pos: pos, done: make(chan struct{})}
		off += int64(end)
		pos = scan.Pos{Line: pos.Line + bytes.Count(c.buf, newline), Col: 1}
		if !p.send(c) {
			return
		}
		select {
		case jobs <- c:
		case <-p.stop:
			return
		}
	}
}

var newline = []byte{'\n'}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// send hands c to the reader in order; false once the reader has stopped.
func (p *parallelOps) send(c *chunk) bool {
	select {
	case p.order <- c:
		return true
	case <-p.stop:
		return false
	}
}

func (p *parallelOps) next(dst *history.Op) (parsed, error) {
	for p.seq == nil {
		if p.cur != nil && p.i < len(p.cur.ops) {
			*dst = p.cur.ops[p.i]
			p.cur.ops[p.i] = history.Op{} // the chunk must not keep the op's values alive
			p.i++
			return p.cur.ps[p.i-1], nil
		}
		if p.cur != nil { // all handed out: a worker may refill its slices
			select {
			case p.spent <- p.cur:
			default:
			}
			p.cur = nil
		}
		c, more := <-p.order
		if !more {
			return parsed{}, io.EOF
		}
		<-c.done
		p.cur, p.i = c, 0
		if !c.ok {
			p.sequentialFrom(c)
		}
	}
	return p.seq.next(dst)
}

// sequentialFrom stops the parallel read and reads the rest of the file
// from c's first line with the sequential reader, which the Reader then
// asks for errors and the reason of an empty file.
func (p *parallelOps) sequentialFrom(c *chunk) {
	p.close()
	s := scan.NewAt(p.o.counted(io.NewSectionReader(p.file, c.off, p.size-c.off), max(0, p.told-c.off)), p.r.name, c.pos)
	s.MaxRun = p.o.maxRun()
	p.r.s = s
	p.seq = newSource(p.r.format, s)
}

// close stops the goroutines and waits for them.
func (p *parallelOps) close() {
	if p.closed {
		return
	}
	p.closed = true
	close(p.stop)
	for range p.order { // unblock the cutter
	}
	p.wg.Wait()
}

func (p *parallelOps) emptyReason() string {
	return newSource(p.r.format, nil).(interface{ emptyReason() string }).emptyReason()
}

// newSource is the sequential op reader of format f on s.
func newSource(f Format, s *scan.Scanner) opSource {
	if f == JSON {
		return newJSONOps(s)
	}
	return newEDNOps(s)
}

// chunkParser is one worker's parser, kept from chunk to chunk (its
// keyword and string caches with it).
type chunkParser struct {
	s   scan.Scanner
	src opSource
}

// parse reads c's ops; c.ok says whether the chunk parsed to its end with
// nothing left open.
func (cp *chunkParser) parse(f Format, name string, c *chunk) {
	cp.s.Reset(c.buf, name, c.pos)
	if cp.src == nil {
		cp.src = newSource(f, &cp.s)
	}
	if n := bytes.Count(c.buf, newline); cap(c.ops) < n { // about the ops a chunk of lines holds
		c.ops, c.ps = make([]history.Op, 0, n), make([]parsed, 0, n)
	}
	for {
		// Parsed in place: an op on the stack would escape through the
		// opSource interface, one allocation per op.
		c.ops = append(c.ops, history.Op{})
		p, err := cp.src.next(&c.ops[len(c.ops)-1])
		if err == io.EOF {
			c.ops, c.ok = c.ops[:len(c.ops)-1], true
			return
		}
		if err != nil {
			cp.src = nil // it may be left inside a vector: start afresh
			c.ops, c.ps = nil, nil
			return
		}
		c.ps = append(c.ps, p)
	}
}
