package durable

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
)

func TestIsLeftoverKnowsTheTemporaryNamesWriteFileMakes(t *testing.T) {
	for name, want := range map[string]bool{
		".results.json.tmp123":        true,
		"sub/.history.edn.tmp9":       true,
		"results.json":                false,
		".results.json.tmp":           false, // no digits: not one of ours
		".results.json.tmpx1":         false,
		"results.json.tmp1":           false, // no leading dot
		".tmp1":                       false, // no file name before .tmp
		"notes.tmp2.txt":              false,
		"elle/.G-single-1.svg.tmp404": true,
	} {
		if got := IsLeftover(name); got != want {
			t.Errorf("IsLeftover(%q) = %v, want %v", name, got, want)
		}
	}
	// The name WriteFile really uses while it writes.
	dir := t.TempDir()
	var seen string
	err := WriteFile(filepath.Join(dir, "results.json"), 0o644, func(w *bufio.Writer) error {
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) != 1 {
			t.Fatalf("while writing: %v %v", entries, err)
		}
		seen = entries[0].Name()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !IsLeftover(seen) {
		t.Errorf("WriteFile's temporary name %q is not recognised as a leftover", seen)
	}
}
