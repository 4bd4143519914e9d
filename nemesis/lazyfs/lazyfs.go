// Package lazyfs is a FUSE filesystem that loses what was not fsynced, the
// way a machine that loses power does: mounted over a backing directory, it
// keeps every file's written data (writes and truncations) in memory until
// the file is fsynced, and Drop throws all unsynced data away. Put under a
// database's data directory, it catches databases that acknowledge writes
// they never made durable (Jepsen uses LazyFS for this).
//
// Only file contents are cached: metadata operations (create, rename,
// unlink, mkdir, chmod) go straight to the backing directory, as on a
// journaling filesystem that commits metadata eagerly. Files are opened
// with direct I/O so the kernel's page cache never serves data Drop has
// discarded; programs that mmap files for writing are not supported.
package lazyfs

import (
	"context"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// entry is one unsynced change: a write of data at off, or (data nil) a
// truncation to off.
type entry struct {
	off  int64
	data []byte
}

// FS is the filesystem's state: the unsynced changes of every file, by the
// backing file's inode number.
type FS struct {
	Backing string
	mu      sync.Mutex
	dirty   map[uint64][]entry
}

// New returns the filesystem over the backing directory.
func New(backing string) *FS { return &FS{Backing: backing, dirty: map[uint64][]entry{}} }

// Stats says how much unsynced data there is.
type Stats struct {
	Files   int   // files with unsynced changes
	Changes int   // writes and truncations not yet synced
	Bytes   int64 // bytes written and not yet synced
}

// Unsynced reports what Drop would lose now.
func (l *FS) Unsynced() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statsLocked()
}

func (l *FS) statsLocked() Stats {
	var s Stats
	for _, es := range l.dirty {
		s.Files++
		s.Changes += len(es)
		for _, e := range es {
			s.Bytes += int64(len(e.data))
		}
	}
	return s
}

// Drop discards every unsynced change and reports what was lost.
func (l *FS) Drop() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.statsLocked()
	l.dirty = map[uint64][]entry{}
	return s
}

// Root is the root node to mount.
func (l *FS) Root() (fs.InodeEmbedder, error) {
	root := &fs.LoopbackRoot{Path: l.Backing}
	var st syscall.Stat_t
	if err := syscall.Stat(l.Backing, &st); err != nil {
		return nil, err
	}
	root.Dev = uint64(st.Dev)
	root.NewNode = func(r *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return &node{LoopbackNode: fs.LoopbackNode{RootData: r}, lfs: l}
	}
	n := root.NewNode(root, nil, "", &st)
	root.RootNode = n
	return n, nil
}

// Mount mounts the filesystem at dir (as root, with mount(2) directly, so no
// fusermount is needed). Unmount with the returned server's Unmount.
func (l *FS) Mount(dir string) (*fuse.Server, error) {
	root, err := l.Root()
	if err != nil {
		return nil, err
	}
	// No attribute or entry caching: sizes change when Drop runs.
	var zero time.Duration
	opts := &fs.Options{
		MountOptions: fuse.MountOptions{FsName: "faultline-lazyfs", Name: "lazyfs", DirectMount: true, AllowOther: true},
		AttrTimeout:  &zero, EntryTimeout: &zero, NegativeTimeout: &zero,
	}
	return fs.Mount(dir, root, opts)
}

// node is a loopback node whose files cache their writes.
type node struct {
	fs.LoopbackNode
	lfs *FS
}

func (n *node) key() uint64 { return n.StableAttr().Ino }

// apply adjusts a file's size for the unsynced changes.
func (l *FS) size(key uint64, backing int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	size := backing
	for _, e := range l.dirty[key] {
		if e.data == nil {
			size = e.off
		} else {
			size = max(size, e.off+int64(len(e.data)))
		}
	}
	return size
}

func (l *FS) record(key uint64, e entry) {
	l.mu.Lock()
	l.dirty[key] = append(l.dirty[key], e)
	l.mu.Unlock()
}

// overlay reads buf at off from the backing data (base, n bytes of it
// valid) with the unsynced changes applied, and returns the bytes valid.
func (l *FS) overlay(key uint64, buf []byte, n int, off int64, backingSize int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	es := l.dirty[key]
	if len(es) == 0 {
		return n
	}
	clear(buf[n:])
	size := backingSize
	end := off + int64(len(buf))
	for _, e := range es {
		if e.data == nil {
			size = e.off
			if e.off < end {
				clear(buf[max(e.off-off, 0):])
			}
			continue
		}
		size = max(size, e.off+int64(len(e.data)))
		lo, hi := max(e.off, off), min(e.off+int64(len(e.data)), end)
		if lo < hi {
			copy(buf[lo-off:hi-off], e.data[lo-e.off:hi-e.off])
		}
	}
	return int(max(min(size-off, int64(len(buf))), 0))
}

// sync writes a file's unsynced changes to the backing fd and forgets them.
func (l *FS) sync(key uint64, fd int) syscall.Errno {
	l.mu.Lock()
	es := l.dirty[key]
	delete(l.dirty, key)
	l.mu.Unlock()
	for i, e := range es {
		var err error
		if e.data == nil {
			err = syscall.Ftruncate(fd, e.off)
		} else {
			_, err = syscall.Pwrite(fd, e.data, e.off)
		}
		if err != nil {
			// Put back what was not written, so a retry can write it.
			l.mu.Lock()
			l.dirty[key] = append(append([]entry(nil), es[i:]...), l.dirty[key]...)
			l.mu.Unlock()
			return fs.ToErrno(err)
		}
	}
	return fs.ToErrno(syscall.Fsync(fd))
}

var (
	_ fs.NodeOpener    = (*node)(nil)
	_ fs.NodeCreater   = (*node)(nil)
	_ fs.NodeGetattrer = (*node)(nil)
	_ fs.NodeSetattrer = (*node)(nil)
	_ fs.FileReader    = (*file)(nil)
	_ fs.FileWriter    = (*file)(nil)
	_ fs.FileFsyncer   = (*file)(nil)
	_ fs.FileFlusher   = (*file)(nil)
	_ fs.FileReleaser  = (*file)(nil)
	_ fs.FileGetattrer = (*file)(nil)
	_ fs.FileSetattrer = (*file)(nil)
)

// lastLink returns the cache key of child name if unlinking or replacing
// it removes the file's last link (so its unsynced data can go), else 0.
func (n *node) lastLink(name string) uint64 {
	ch := n.GetChild(name)
	if ch == nil {
		return 0 // never opened through the mount: nothing cached
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(filepath.Join(n.lfs.Backing, n.Path(nil), name), &st); err != nil || st.Nlink != 1 {
		return 0
	}
	return ch.StableAttr().Ino
}

// forget drops a removed file's unsynced data, so that a new file that
// gets the same inode number does not inherit it.
func (l *FS) forget(key uint64) {
	if key == 0 {
		return
	}
	l.mu.Lock()
	delete(l.dirty, key)
	l.mu.Unlock()
}

// Unlink removes the file and, with its last link, its unsynced data.
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	key := n.lastLink(name)
	if errno := n.LoopbackNode.Unlink(ctx, name); errno != 0 {
		return errno
	}
	n.lfs.forget(key)
	return 0
}

// Rename renames; a file it replaces loses its unsynced data with it.
func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	var key uint64
	if np, ok := newParent.(*node); ok {
		key = np.lastLink(newName)
	}
	if errno := n.LoopbackNode.Rename(ctx, name, newParent, newName, flags); errno != 0 {
		return errno
	}
	n.lfs.forget(key)
	return 0
}

// Open opens the backing file and wraps it.
func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	// Writes must reach us whole: no append mode tricks on the backing fd
	// (the kernel gives append writes their offset) and read access for
	// overlaying reads.
	if flags&syscall.O_ACCMODE == syscall.O_WRONLY {
		flags = flags&^syscall.O_ACCMODE | syscall.O_RDWR
	}
	fh, _, errno := n.LoopbackNode.Open(ctx, flags&^syscall.O_TRUNC)
	if errno != 0 {
		return nil, 0, errno
	}
	f := &file{lf: fh.(*fs.LoopbackFile), key: n.key(), lfs: n.lfs}
	if flags&syscall.O_TRUNC != 0 {
		n.lfs.record(f.key, entry{off: 0})
	}
	return f, fuse.FOPEN_DIRECT_IO, 0
}

// Create creates the backing file (metadata is not cached) and wraps it.
func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_ACCMODE == syscall.O_WRONLY {
		flags = flags&^syscall.O_ACCMODE | syscall.O_RDWR
	}
	ino, fh, _, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	f := &file{lf: fh.(*fs.LoopbackFile), key: ino.StableAttr().Ino, lfs: n.lfs}
	if flags&syscall.O_TRUNC != 0 {
		n.lfs.record(f.key, entry{off: 0})
		out.Size = 0
	}
	return ino, f, fuse.FOPEN_DIRECT_IO, 0
}

// Getattr reports the size with unsynced changes applied.
func (n *node) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if errno := n.LoopbackNode.Getattr(ctx, f, out); errno != 0 {
		return errno
	}
	if out.Mode&syscall.S_IFMT == syscall.S_IFREG {
		out.Size = uint64(n.lfs.size(n.key(), int64(out.Size)))
	}
	return 0
}

// Setattr caches a truncation and passes everything else on.
func (n *node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if sz, ok := in.GetSize(); ok {
		n.lfs.record(n.key(), entry{off: int64(sz)})
		in.Valid &^= fuse.FATTR_SIZE
	}
	var inner fs.FileHandle
	if lf, ok := f.(*file); ok {
		inner = lf.lf
	}
	if errno := n.LoopbackNode.Setattr(ctx, inner, in, out); errno != 0 {
		return errno
	}
	out.Size = uint64(n.lfs.size(n.key(), int64(out.Size)))
	return 0
}

// file is an open file whose writes wait in the FS until fsync.
type file struct {
	lf  *fs.LoopbackFile
	key uint64
	lfs *FS
}

func (f *file) fd() int {
	fd, _ := f.lf.PassthroughFd()
	return fd
}

func (f *file) backingSize() (int64, syscall.Errno) {
	var st syscall.Stat_t
	if err := syscall.Fstat(f.fd(), &st); err != nil {
		return 0, fs.ToErrno(err)
	}
	return st.Size, 0
}

func (f *file) Read(ctx context.Context, buf []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	size, errno := f.backingSize()
	if errno != 0 {
		return nil, errno
	}
	n := 0
	if off < size {
		var err error
		n, err = syscall.Pread(f.fd(), buf, off)
		if err != nil {
			return nil, fs.ToErrno(err)
		}
	}
	n = f.lfs.overlay(f.key, buf, n, off, size)
	return fuse.ReadResultData(buf[:n]), 0
}

func (f *file) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	f.lfs.record(f.key, entry{off: off, data: append([]byte(nil), data...)})
	return uint32(len(data)), 0
}

// Fsync makes the file's unsynced changes durable.
func (f *file) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return f.lfs.sync(f.key, f.fd())
}

// Flush (close) does not sync: closing a file does not make it durable.
func (f *file) Flush(ctx context.Context) syscall.Errno { return 0 }

func (f *file) Release(ctx context.Context) syscall.Errno { return f.lf.Release(ctx) }

func (f *file) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	if errno := f.lf.Getattr(ctx, out); errno != 0 {
		return errno
	}
	out.Size = uint64(f.lfs.size(f.key, int64(out.Size)))
	return 0
}

func (f *file) Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if sz, ok := in.GetSize(); ok {
		f.lfs.record(f.key, entry{off: int64(sz)})
		in.Valid &^= fuse.FATTR_SIZE
	}
	if errno := f.lf.Setattr(ctx, in, out); errno != 0 {
		return errno
	}
	out.Size = uint64(f.lfs.size(f.key, int64(out.Size)))
	return 0
}
