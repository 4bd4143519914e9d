// Command lazyfsd mounts a lazyfs (see nemesis/lazyfs) on a node: the data
// a database writes under the mount stays in memory until fsync. It runs
// until SIGTERM or SIGINT, then unmounts. SIGUSR1 drops every unsynced
// change, as a power loss would, and prints one line saying what was lost:
//
//	lost files=2 changes=17 bytes=40960
//
// Usage: lazyfsd <backing-dir> <mount-dir>
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/faultline/faultline/nemesis/lazyfs"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: lazyfsd <backing-dir> <mount-dir>")
		os.Exit(2)
	}
	l := lazyfs.New(os.Args[1])
	srv, err := l.Mount(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "lazyfsd: mounting %s over %s: %v\n", os.Args[2], os.Args[1], err)
		os.Exit(1)
	}
	fmt.Printf("mounted %s over %s\n", os.Args[2], os.Args[1])
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for s := range sigs {
			if s == syscall.SIGUSR1 {
				lost := l.Drop()
				fmt.Printf("lost files=%d changes=%d bytes=%d\n", lost.Files, lost.Changes, lost.Bytes)
				continue
			}
			if err := srv.Unmount(); err != nil {
				fmt.Fprintf(os.Stderr, "lazyfsd: unmounting %s: %v\n", os.Args[2], err)
			}
			return
		}
	}()
	srv.Wait()
	fmt.Println("unmounted")
}
