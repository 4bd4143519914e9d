package web

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// errNotRegular and errHardLink are why a name in the store is not served.
var (
	errNotRegular = errors.New("not a regular file")
	errHardLink   = errors.New("has more than one hard link")
)

// refusal is a file of the store that exists but is not served, and why.
type refusal struct {
	name string
	why  error
	info fs.FileInfo
}

func (r *refusal) Error() string {
	if errors.Is(r.why, errHardLink) {
		return fmt.Sprintf("%s is not served: it %v (%d links), so it may be the same file as one outside the store", r.name, r.why, linkCount(r.info))
	}
	return fmt.Sprintf("%s is not served: %v (%s)", r.name, r.why, r.info.Mode().Type())
}

func (r *refusal) Unwrap() error { return r.why }

// openRegular opens a file of the store for reading, refusing anything that
// is not a plain file of its own: a FIFO, socket or device (opening a FIFO
// would hang the request, and reading a device could never end), and a file
// with more than one hard link (it may be a link to a file outside the
// store, which os.Root cannot see). The open itself is non-blocking, and the
// checks run on the opened file, so swapping a FIFO in after a check does
// not help.
func openRegular(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil {
		err = checkRegular(name, st)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// checkRegular says why a file the store holds is not served, or nil.
func checkRegular(name string, st fs.FileInfo) error {
	switch {
	case !st.Mode().IsRegular():
		return &refusal{name: name, why: errNotRegular, info: st}
	case linkCount(st) > 1:
		return &refusal{name: name, why: errHardLink, info: st}
	}
	return nil
}

// linkCount is the number of hard links of a file (1 where unknown).
func linkCount(st fs.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Nlink)
	}
	return 1
}

// inode identifies a file's version for caches: a file replaced by rename
// gets a new inode even when its size and time match.
func inode(st fs.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}

// readRegular reads a whole regular file of the store, at most max bytes:
// a longer file is an error that says so (callers that can summarise a big
// file check its size first).
func readRegular(root *os.Root, name string, max int64) ([]byte, fs.FileInfo, error) {
	f, st, err := openRegular(root, name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if st.Size() > max {
		return nil, st, fmt.Errorf("%s is %s, over the %s this server reads", name, size(st.Size()), size(max))
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		err = fmt.Errorf("%s grew past the %s this server reads", name, size(max))
	}
	return b, st, err
}

// isNotExist is a missing file, told apart from one refused.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
