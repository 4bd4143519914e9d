package codec

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// The parallel reader must give exactly what the sequential one gives from
// the same bytes: the same ops, warnings and errors (file, line, column and
// message), whatever the chunk boundaries. Every input is read both ways
// with chunks of several sizes, so that boundaries fall everywhere: inside
// lines, between ops, inside multi-line vectors.

// readBoth reads text sequentially (Read) and from a file in parallel
// (ReadFile), as name; each result is the ops as written EDN, the warnings
// and the error's text.
func readBoth(t *testing.T, name, text string) (seq, par readResult) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	h, w, err := Read(strings.NewReader(text), path, Auto)
	seq = result(h, w, err)
	h, w, err = ReadFile(path, Auto)
	par = result(h, w, err)
	return seq, par
}

type readResult struct {
	ops      []string
	warnings []Warning
	err      string
}

func result(h *history.History, w []Warning, err error) readResult {
	r := readResult{warnings: w}
	if err != nil {
		r.err = err.Error()
	}
	if h != nil {
		for i := 0; i < h.Len(); i++ {
			op := h.At(i)
			r.ops = append(r.ops, op.String())
		}
	}
	return r
}

// withChunks runs f with the parallel reader cutting files into chunks of
// size bytes, files of any size read in parallel.
func withChunks(t *testing.T, size int, f func()) {
	oldChunk, oldMin := parallelChunk, parallelMin
	parallelChunk, parallelMin = size, 0
	defer func() { parallelChunk, parallelMin = oldChunk, oldMin }()
	f()
}

func sameReads(t *testing.T, name, text string) {
	t.Helper()
	for _, size := range []int{16, 97, 256, 1000, 4096, 1 << 20} {
		withChunks(t, size, func() {
			seq, par := readBoth(t, name, text)
			if !reflect.DeepEqual(seq, par) {
				t.Fatalf("%s, chunks of %d bytes: the parallel read differs\nsequential: %d ops, err %q, warnings %v\nparallel:   %d ops, err %q, warnings %v\ninput head: %q",
					name, size, len(seq.ops), seq.err, seq.warnings, len(par.ops), par.err, par.warnings, head(text))
			}
		})
	}
}

func head(s string) string { return s[:min(len(s), 300)] }

func TestParallelReadIsTheSequentialReadOnEveryFixtureAndSeed(t *testing.T) {
	var inputs []struct{ name, text string }
	for _, ext := range []string{".edn", ".jsonl"} {
		paths, _ := filepath.Glob(filepath.Join(fixtureDir, "*"+ext))
		if len(paths) == 0 {
			t.Fatalf("no %s fixtures", ext)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, struct{ name, text string }{filepath.Base(p), string(b)})
		}
	}
	for i, s := range ednSeeds {
		inputs = append(inputs, struct{ name, text string }{"seed" + string(rune('a'+i)) + ".edn", s})
	}
	for i, s := range jsonSeeds {
		inputs = append(inputs, struct{ name, text string }{"seed" + string(rune('a'+i)) + ".jsonl", s})
	}
	for _, in := range inputs {
		sameReads(t, in.name, in.text)
	}
}

// Damaged and reshaped copies of a fixture: each must read (or fail) the
// same both ways. The edits are those that change how a file can be cut: a
// syntax error mid-file, an op spread over lines, a top-level vector, a
// truncated last line, a BOM, CRLF line ends, blank and comment lines, a
// duplicate index, a line without a line end at the end.
func TestParallelReadIsTheSequentialReadOnDamagedHistories(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtureDir, "list-append-completions.edn"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
	rng := rand.New(rand.NewPCG(16, 1))
	edits := map[string]func(ls []string, i int) string{
		"syntax error": func(ls []string, i int) string {
			ls[i] = strings.Replace(ls[i], ":type", ":type )", 1)
			return join(ls)
		},
		"op over lines":     func(ls []string, i int) string { ls[i] = strings.Replace(ls[i], ", ", ",\n  ", -1); return join(ls) },
		"vector":            func(ls []string, i int) string { return join(ls[:i]) + "[" + join(ls[i:]) + "]\n" },
		"unclosed vector":   func(ls []string, i int) string { return join(ls[:i]) + "[" + join(ls[i:]) },
		"truncated":         func(ls []string, i int) string { return join(ls[:i]) + ls[i][:len(ls[i])/2] },
		"truncated inside":  func(ls []string, i int) string { return join(ls[:i]) + ls[i][:len(ls[i])/2] + "\n" + join(ls[i+1:]) },
		"bom":               func(ls []string, i int) string { return "\xef\xbb\xbf" + join(ls) },
		"crlf":              func(ls []string, i int) string { return strings.ReplaceAll(join(ls), "\n", "\r\n") },
		"comments":          func(ls []string, i int) string { ls[i] = "; a comment\n\n" + ls[i] + "#_ {:x 1}\n"; return join(ls) },
		"two on a line":     func(ls []string, i int) string { ls[i] = strings.TrimSuffix(ls[i], "\n") + " "; return join(ls) },
		"discard over line": func(ls []string, i int) string { ls[i] = "#_\n" + ls[i]; return join(ls) },
		"string over line": func(ls []string, i int) string {
			ls[i] = strings.Replace(ls[i], "}", " :note \"a\nb\"}", 1)
			return join(ls)
		},
		"duplicate index": func(ls []string, i int) string { return join(ls) + "{:index 0, :type :ok, :process 99, :value []}\n" },
		"no last newline": func(ls []string, i int) string { return strings.TrimSuffix(join(ls), "\n") },
	}
	for name, edit := range edits {
		for k := 0; k < 4; k++ {
			ls := append([]string(nil), lines...)
			i := rng.IntN(len(ls))
			sameReads(t, name+".edn", edit(ls, i))
		}
	}
}

func join(ls []string) string { return strings.Join(ls, "") }

// A file of one op per line is read in chunks to its end; one whose ops
// span lines (pretty-printed, or inside a vector) falls back to the
// sequential reader, at the first chunk that does not parse on its own.
func TestParallelReadFallsBackOnlyWhereLinesAreNotOps(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtureDir, "cas-register-ok.edn"))
	if err != nil {
		t.Fatal(err)
	}
	var ops []string // the fixture without its comment lines
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(l, ";") {
			ops = append(ops, l)
		}
	}
	lines := join(ops)
	half := strings.Index(lines[len(lines)/2:], "\n") + len(lines)/2 + 1
	cases := []struct {
		name, text string
		fallback   bool
	}{
		{"one op per line", lines, false},
		{"pretty-printed", strings.ReplaceAll(lines, ", :", ",\n :"), true},
		{"a vector of lines", "[" + lines + "]", true},
		{"pretty-printed second half", lines[:half] + strings.ReplaceAll(lines[half:], ", :", ",\n :"), true},
	}
	for _, c := range cases {
		withChunks(t, 512, func() {
			path := filepath.Join(t.TempDir(), "h.edn")
			if err := os.WriteFile(path, []byte(c.text), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rd, err := NewReaderWith(f, path, Auto, Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := readParallel(rd, f, int64(len(c.text)), 0, Options{}, 0)
			defer p.close()
			if _, err := rd.ReadAll(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := p.seq != nil; got != c.fallback {
				t.Errorf("%s: fell back to the sequential reader: %v, want %v", c.name, got, c.fallback)
			}
		})
	}
}

// FuzzParallelEDN holds the parallel reader to the sequential one on any
// bytes, with chunks small enough that every input is cut many times.
func FuzzParallelEDN(f *testing.F) {
	for _, s := range append(append([]string{}, ednSeeds...), jsonSeeds...) {
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, text string, chunk uint8) {
		withChunks(t, int(chunk)+1, func() {
			seq, par := readBoth(t, "fuzz", text)
			if !reflect.DeepEqual(seq, par) {
				t.Fatalf("chunks of %d: the parallel read differs\nsequential: %v %q %v\nparallel:   %v %q %v", int(chunk)+1, seq.ops, seq.err, seq.warnings, par.ops, par.err, par.warnings)
			}
		})
	})
}

// Options.OnRead hears of every byte of the file once, however it is read:
// in parallel, in parallel then sequentially from a chunk, or sequentially.
func TestOnReadCountsEveryByteOnce(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtureDir, "cas-register-ok.edn"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	cases := map[string]string{
		"lines":                 text,
		"pretty-printed second": text[:len(text)/2] + strings.ReplaceAll(text[len(text)/2:], ", :", ",\n :"),
	}
	for name, text := range cases {
		for _, size := range []int{300, 1 << 20} {
			withChunks(t, size, func() {
				path := filepath.Join(t.TempDir(), "h.edn")
				if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				var told int
				if _, _, err := ReadFileWith(path, Auto, Options{OnRead: func(n int) { told += n }}); err != nil {
					t.Fatal(err)
				}
				if told != len(text) {
					t.Errorf("%s, chunks of %d: OnRead heard of %d bytes of %d", name, size, told, len(text))
				}
			})
		}
	}
}
