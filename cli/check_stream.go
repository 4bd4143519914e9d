package cli

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/internal/progress"
)

// progressFlags are check's options for showing the progress of long checks
// on standard error.
type progressFlags struct {
	on    bool
	every time.Duration
}

func (p *progressFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&p.on, "progress", true, "show the progress of a long check on standard error: a status line on a terminal, else a log line every 10 s")
	fs.DurationVar(&p.every, "progress-interval", 10*time.Second, "how often progress is logged when standard error is not a terminal")
	_ = fs.MarkHidden("progress-interval")
}

// start begins showing the progress of checking file on stderr. It returns
// the meter the check updates (nil with --progress=false), the writer for
// other lines meanwhile, and the function that stops the showing.
func (p *progressFlags) start(stderr io.Writer, file string) (*progress.Meter, io.Writer, func()) {
	if !p.on {
		return nil, stderr, func() {}
	}
	m := &progress.Meter{}
	w, stop := progress.Show(file, m, stderr, progress.Options{Every: p.every})
	return m, w, stop
}

// streamFile checks a file with a stream of s while reading it op by op,
// holding no History: memory stays what the stream holds plus the op being
// read. It gives up (ok false) before any verdict when the file must be read
// whole instead: a completion without invocation (invoked at the start of
// the history), ops that do not pair, no op at all, a file that does not
// open, a file that is not a regular one (a named pipe cannot be read
// again). The batch read then gives the verdict or the error, exactly as
// without streaming, so streaming never changes what check prints.
func streamFile(ctx context.Context, s checker.Streamer, c checkedFile, f codec.Format, meter *progress.Meter) (res checkedFile, warnings []codec.Warning, ok bool) {
	// Only a regular file: a pipe could not be read a second time, should
	// the stream give up, and is not even opened here.
	if st, err := os.Stat(c.Path); err != nil || !st.Mode().IsRegular() {
		return c, nil, false
	}
	file, err := os.Open(c.Path)
	if err != nil {
		return c, nil, false
	}
	defer file.Close()
	if st, err := file.Stat(); err == nil {
		meter.SetSize(st.Size())
	}
	meter.Phase("read and check")
	start := time.Now()
	rd, err := codec.NewReader(meter.Reader(file), c.Path, f)
	if err != nil {
		return c, nil, false
	}
	defer func() {
		if p := recover(); p != nil {
			res, warnings, ok = c, nil, true
			res.Result, res.Err = checker.Panicked(p), nil
		}
		res.Elapsed = time.Since(start)
	}()
	stream := s.NewStream()
	var p checker.Pairer
	for {
		op, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			c.Err = err
			return c, rd.Warnings(), true
		}
		e, err := p.Pair(op)
		if err != nil {
			return c, nil, false
		}
		stream.Add(e)
		if n := p.Len(); n%4096 == 0 {
			meter.AddOps(4096)
			if r, stop := checker.Cancelled(ctx, n); stop {
				c.Result, c.Ops = r, n
				return c, rd.Warnings(), true
			}
		}
	}
	if p.Len() == 0 {
		return c, nil, false
	}
	c.Result, c.Ops = stream.Result(), p.Len()
	return c, rd.Warnings(), true
}
