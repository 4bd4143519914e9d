package web

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/faultline/faultline/internal/durable"
)

// contentTypes maps the extensions a run folder holds to the type a browser
// should show them as. Histories, logs and JSON are text/plain so that a
// browser displays them instead of offering a download.
var contentTypes = map[string]string{
	".txt":   "text/plain; charset=utf-8",
	".log":   "text/plain; charset=utf-8",
	".edn":   "text/plain; charset=utf-8",
	".jsonl": "text/plain; charset=utf-8",
	".json":  "text/plain; charset=utf-8",
	".dot":   "text/plain; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
}

// contentType returns the type to serve a file as. Files of other kinds
// (node logs without an extension, rotated logs) are sniffed, but anything
// textual is served as text/plain: a node's log must never be rendered as
// HTML just because it starts with a tag.
func contentType(name string, f io.ReadSeeker) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	_, _ = f.Seek(0, io.SeekStart)
	t := http.DetectContentType(head[:n])
	if strings.HasPrefix(t, "text/") {
		return "text/plain; charset=utf-8"
	}
	return t
}

// file serves one file of a run folder with Range support. Names are
// checked twice: fs.ValidPath refuses "..", empty elements and absolute
// paths, and os.Root refuses symlinks that lead out of the store.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	s.withRoot(w, func(root *os.Root) {
		ref, ok := s.lookupRun(w, r, root)
		if !ok {
			return
		}
		name := r.PathValue("path")
		if name == "" {
			http.Redirect(w, r, ref.URL(), http.StatusFound)
			return
		}
		if !fs.ValidPath(name) {
			http.Error(w, "bad file name "+name, http.StatusBadRequest)
			return
		}
		serveFile(w, r, root, ref.Rel()+"/"+name)
	})
}

// serveFile serves a regular file of the store through http.ServeContent,
// under the sandboxing policy of run files (headers.go). Missing files and
// folders are 404s; files that exist but are not served (a FIFO, a device,
// a file with several hard links) are 403s that say why.
func serveFile(w http.ResponseWriter, r *http.Request, root *os.Root, name string) {
	f, st, err := openRegular(root, name)
	var ref *refusal
	switch {
	case errors.As(err, &ref) && ref.info.IsDir():
		notFound(w, name+" is a folder; its files are listed on the run's page")
		return
	case errors.As(err, &ref):
		http.Error(w, "403 forbidden: "+ref.Error(), http.StatusForbidden)
		return
	case err != nil:
		notFound(w, "no file "+name+" in this store")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", contentType(name, f))
	w.Header().Set("Content-Security-Policy", runFileCSP)
	http.ServeContent(newProgressWriter(w), r, path.Base(name), st.ModTime(), f)
}

// fileEntry is one file of a run folder, for the listing on the run page.
type fileEntry struct {
	Name string // relative to the run folder, slash-separated
	Size int64
	// Refused says why the file is not served (several hard links).
	Refused string
}

// runFiles lists the regular files of a run folder, recursively, in
// lexical order, leaving out the temporary files of writes a crash cut
// short (durable.IsLeftover). Symlinks are not followed: a run folder holds none of its
// own, and one planted there must not widen what is listed or zipped.
func runFiles(root *os.Root, ref runRef) ([]fileEntry, error) {
	sub, err := root.OpenRoot(ref.Rel())
	if err != nil {
		return nil, err
	}
	defer sub.Close()
	var files []fileEntry
	err = fs.WalkDir(sub.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable folder: list what can be read
		}
		if !d.Type().IsRegular() || durable.IsLeftover(p) {
			return nil // a crashed write's temporary file is no file of the run
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		e := fileEntry{Name: p, Size: info.Size()}
		if err := checkRegular(p, info); err != nil {
			e.Refused = err.Error()
		}
		files = append(files, e)
		return nil
	})
	return files, err
}

// withRunFiles finds the request's run and lists its files for a handler
// that needs both (the run page, the zip), answering 404 itself when the run
// is missing or its folder cannot be read.
func (s *Server) withRunFiles(w http.ResponseWriter, r *http.Request, f func(root *os.Root, ref runRef, files []fileEntry)) {
	s.withRoot(w, func(root *os.Root) {
		ref, ok := s.lookupRun(w, r, root)
		if !ok {
			return
		}
		files, err := runFiles(root, ref)
		if err != nil {
			notFound(w, err.Error())
			return
		}
		f(root, ref, files)
	})
}

// zip streams a run folder as a zip archive, its files under
// <test>/<start>/ as they sit in the store, so unpacking it next to (or
// into) another store recreates the run. Nothing is buffered: a run with a
// large history starts downloading at once.
func (s *Server) zip(w http.ResponseWriter, r *http.Request) {
	s.withRunFiles(w, r, func(root *os.Root, ref runRef, files []fileEntry) {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+zipName(ref)+`"`)
		zw := zip.NewWriter(newProgressWriter(w))
		for _, f := range files {
			if f.Refused != "" {
				continue
			}
			if err := addToZip(zw, root, ref, f.Name); err != nil {
				// The headers are gone; all that can be done is to end
				// the archive early, which unzip reports as damaged.
				return
			}
		}
		_ = zw.Close()
	})
}

// zipName is the download's file name: the test and start, with anything
// that would break the header replaced.
func zipName(ref runRef) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r == '/' || r > 0x7e {
			return '_'
		}
		return r
	}, ref.Test)
	return clean + "-" + ref.Name + ".zip"
}

// addToZip copies one file of the run into the archive. Already compressed
// images are stored, everything else deflated. A file that cannot be opened
// as a regular file any more is left out; only a failed write is an error.
func addToZip(zw *zip.Writer, root *os.Root, ref runRef, name string) error {
	f, st, err := openRegular(root, ref.Rel()+"/"+name)
	if err != nil {
		return nil // gone or refused since the listing: left out
	}
	defer f.Close()
	h, err := zip.FileInfoHeader(st)
	if err != nil {
		return err
	}
	h.Name = ref.Rel() + "/" + name
	h.Method = zip.Deflate
	if path.Ext(name) == ".png" {
		h.Method = zip.Store
	}
	out, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, f)
	return err
}
