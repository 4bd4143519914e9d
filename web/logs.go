package web

import (
	"io"
	"os"
	"path"
	"strings"

	"github.com/faultline/faultline/runstore"
)

// logView is one log of a run, with its last lines for the run page.
type logView struct {
	Name string
	Size int64
	Tail string
	// Node is the node the log came from, "" for the run's own log.
	Node string
}

// Bounds of the log tails shown in place.
const (
	tailBytes = 8 << 10
	tailLines = 30
)

// logs lists the run's log (run.log) and the logs downloaded from each node
// (<node>/...: every file in a first-level folder whose name says log),
// each with its last lines.
func logs(root *os.Root, ref runRef, files []fileEntry) []logView {
	var out []logView
	for _, f := range files {
		dir, base := path.Split(f.Name)
		isNodeLog := strings.Count(f.Name, "/") == 1 && (strings.HasSuffix(base, ".log") || strings.Contains(base, ".log.") || base == "stdout" || base == "stderr")
		if f.Refused != "" || (f.Name != runstore.LogFile && !isNodeLog) {
			continue
		}
		out = append(out, logView{Name: f.Name, Size: f.Size, Node: strings.TrimSuffix(dir, "/"), Tail: tail(root, ref.Rel()+"/"+f.Name)})
	}
	return out
}

// tail returns the last lines of a file (at most tailLines, from at most
// its last tailBytes), "" if it cannot be read.
func tail(root *os.Root, name string) string {
	f, st, err := openRegular(root, name)
	if err != nil {
		return ""
	}
	defer f.Close()
	from := max(st.Size()-tailBytes, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, from, st.Size()-from))
	if err != nil {
		return ""
	}
	s := string(b)
	if from > 0 {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:] // the first line is cut: drop it
		}
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return strings.Join(lines, "\n")
}
