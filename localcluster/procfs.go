package localcluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// netnsPath is where `ip netns` keeps a named network namespace.
func netnsPath(ns string) string { return filepath.Join("/run/netns", ns) }

// sameFile reports whether a and b are the same inode (namespaces are
// compared this way: /proc/PID/ns/net against /run/netns/NAME).
func sameFile(a, b string) bool {
	var sa, sb syscall.Stat_t
	if syscall.Stat(a, &sa) != nil || syscall.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// pidsInNetNS lists the host PIDs of the processes inside network namespace
// ns. Zombies, which hold no namespace any more, are not listed.
func pidsInNetNS(ns string) []int {
	var ref syscall.Stat_t
	if syscall.Stat(netnsPath(ns), &ref) != nil {
		return nil
	}
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+e.Name()+"/ns/net", &st) == nil && st.Dev == ref.Dev && st.Ino == ref.Ino {
			pids = append(pids, pid)
		}
	}
	return pids
}

// children lists the child PIDs of pid.
func children(pid int) []int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// inNetNS reports whether pid lives in network namespace ns.
func inNetNS(pid int, ns string) bool {
	return sameFile("/proc/"+strconv.Itoa(pid)+"/ns/net", netnsPath(ns))
}
