package lazyfs

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWrite compares 4 KiB writes, fsynced every 16, straight to a
// directory and through lazyfs over the same kind of directory, in one
// process so that the ratio holds on a loaded machine.
func BenchmarkWrite(b *testing.B) {
	block := make([]byte, 4096)
	run := func(b *testing.B, dir string) {
		f, err := os.Create(filepath.Join(dir, "bench"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.SetBytes(int64(len(block)))
		b.ResetTimer()
		for i := range b.N {
			if _, err := f.WriteAt(block, int64(i%1024)*4096); err != nil {
				b.Fatal(err)
			}
			if i%16 == 15 {
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("direct", func(b *testing.B) { run(b, b.TempDir()) })
	b.Run("lazyfs", func(b *testing.B) {
		_, _, mnt := mount(b)
		run(b, mnt)
	})
}

// BenchmarkRead reads a 64 KiB file in 4 KiB pieces with 0 and with 256
// unsynced 4 KiB writes on it: the cost of overlaying the unsynced log.
func BenchmarkRead(b *testing.B) {
	for _, dirty := range []int{0, 256} {
		b.Run(map[int]string{0: "synced", 256: "256-unsynced"}[dirty], func(b *testing.B) {
			_, _, mnt := mount(b)
			p := filepath.Join(mnt, "bench")
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			block := make([]byte, 4096)
			for i := range 16 {
				f.WriteAt(block, int64(i)*4096)
			}
			f.Sync()
			for i := range dirty {
				f.WriteAt(block, int64(i%16)*4096)
			}
			buf := make([]byte, 4096)
			b.SetBytes(4096)
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.ReadAt(buf, int64(i%16)*4096); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
