// Package owner identifies a process on this machine so that a later
// process can tell, exactly, whether it is still alive: its pid, the
// kernel's boot id (a pid from an earlier boot is never alive) and the
// process's start time (a pid the kernel gave to another process since is
// not the same process). Run heartbeats and the fault ledger record owners
// this way.
package owner

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Process is one process of one boot of one machine.
type Process struct {
	PID  int    `json:"pid"`
	Host string `json:"host"`
	// BootID is the kernel's boot id (Linux), so a pid from an earlier boot
	// of the same machine is never taken for a live process.
	BootID string `json:"boot-id,omitempty"`
	// Start is the process's start time in clock ticks since boot
	// (/proc/<pid>/stat), so a pid reused by another process is not taken
	// for this one.
	Start uint64 `json:"proc-start,omitempty"`
}

// Self is the calling process.
func Self() Process {
	host, _ := os.Hostname()
	return Process{PID: os.Getpid(), Host: host, BootID: BootID(), Start: StartTime(os.Getpid())}
}

// Local says whether p ran on this machine in its current boot, the only
// case in which Alive's answer is exact.
func (p Process) Local() bool {
	host, _ := os.Hostname()
	id := BootID()
	return id != "" && p.BootID == id && p.Host == host
}

// Alive says whether p is still running, and why. A process of another
// machine or boot is not alive here: callers that may read records of
// other machines (a store on a network share) check Local first.
func (p Process) Alive() (bool, string) {
	if !p.Local() {
		return false, fmt.Sprintf("process %d on %s belongs to another machine or boot", p.PID, p.Host)
	}
	if start := StartTime(p.PID); start != 0 && start == p.Start {
		return true, fmt.Sprintf("process %d on %s is alive", p.PID, p.Host)
	}
	return false, fmt.Sprintf("process %d on %s is gone", p.PID, p.Host)
}

// BootID is the kernel's boot id, or "" where there is none.
func BootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// StartTime is the start time of process pid in clock ticks since boot
// (field 22 of /proc/<pid>/stat), or 0 if there is no such process.
func StartTime(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields after it start after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(fields[19], 10, 64)
	return n
}
