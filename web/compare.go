package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/faultline/faultline/runstore"
)

// compareData is the data of the comparison of two runs.
type compareData struct {
	A, B runInfo
	// Parts are the verdicts of the composed checkers' parts, by name.
	Parts []partCmp
	// Config lists the configuration settings (dotted paths) that differ,
	// or every setting with ?all=1.
	Config                   []settingCmp
	All                      bool
	Same                     int // settings equal in both
	ConfigNoteA, ConfigNoteB string
}

type partCmp struct {
	Name, A, B string
	Same       bool
}

type settingCmp struct {
	Path, A, B string
	Same       bool
}

// compare shows two runs side by side (?run=<test>/<start>&run=...):
// verdicts and summaries, the verdicts of their checkers' parts, and the
// configuration settings that differ.
func (s *Server) compare(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["run"]
	if len(ids) != 2 {
		badRequest(w, fmt.Errorf("compare needs exactly two runs (?run=<test>/<start>&run=<test>/<start>), got %d: tick two runs on the index", len(ids)))
		return
	}
	s.withRoot(w, func(root *os.Root) {
		var refs [2]runRef
		for i, id := range ids {
			test, start, _ := strings.Cut(id, "/")
			ref, ok := parseRef(test, start)
			if ok {
				st, err := root.Lstat(ref.Rel())
				ok = err == nil && st.IsDir()
			}
			if !ok {
				notFound(w, fmt.Sprintf("no run %s in this store", id))
				return
			}
			refs[i] = ref
		}
		current := currentRun(s.Root)
		d := compareData{A: s.info(root, refs[0], current), B: s.info(root, refs[1], current), All: r.URL.Query().Get("all") == "1"}
		d.Parts = compareParts(s.partVerdicts(root, refs[0]), s.partVerdicts(root, refs[1]))
		ca, noteA := flatConfig(root, refs[0])
		cb, noteB := flatConfig(root, refs[1])
		d.ConfigNoteA, d.ConfigNoteB = noteA, noteB
		d.Config, d.Same = compareConfig(ca, cb, d.All)
		render(w, "compare", d)
	})
}

// partVerdicts reads the verdict of each part of a composed result (none
// for a results file over the cap or missing).
func (s *Server) partVerdicts(root *os.Root, ref runRef) map[string]string {
	b, _, err := readRegular(root, ref.Rel()+"/"+runstore.ResultsFile, s.maxResults())
	if err != nil {
		return nil
	}
	doc, err := parseResult(b)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for name, c := range doc.Children {
		out[name] = verdictOf(c.Valid)
	}
	return out
}

func compareParts(a, b map[string]string) []partCmp {
	var names []string
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := make([]partCmp, 0, len(names))
	for _, n := range names {
		va, vb := orElse(a[n], "-"), orElse(b[n], "-")
		out = append(out, partCmp{Name: n, A: va, B: vb, Same: va == vb})
	}
	return out
}

// flatConfig reads config.json as dotted paths to JSON texts: nested
// objects are walked, anything else (lists included) is one setting.
func flatConfig(root *os.Root, ref runRef) (map[string]string, string) {
	b, _, err := readRegular(root, ref.Rel()+"/"+runstore.ConfigFile, maxConfig)
	if isNotExist(err) {
		return nil, "no " + runstore.ConfigFile
	}
	if err != nil {
		return nil, err.Error()
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, runstore.ConfigFile + " is not valid JSON: " + err.Error()
	}
	out := map[string]string{}
	flatten("", v, out)
	return out, ""
}

func flatten(prefix string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok && len(m) > 0 {
		for k, e := range m {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, e, out)
		}
		return
	}
	b, _ := json.Marshal(v)
	out[prefix] = unescapeHTML(string(b))
}

// compareConfig lists settings by path: those that differ, or all.
func compareConfig(a, b map[string]string, all bool) ([]settingCmp, int) {
	paths := map[string]bool{}
	for p := range a {
		paths[p] = true
	}
	for p := range b {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	slices.Sort(sorted)
	var out []settingCmp
	same := 0
	for _, p := range sorted {
		va, okA := a[p]
		vb, okB := b[p]
		if !okA {
			va = "(not set)"
		}
		if !okB {
			vb = "(not set)"
		}
		eq := okA == okB && va == vb
		if eq {
			same++
		}
		if !eq || all {
			out = append(out, settingCmp{Path: p, A: va, B: vb, Same: eq})
		}
	}
	return out, same
}
