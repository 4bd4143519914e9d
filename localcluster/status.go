package localcluster

import (
	"fmt"
	"net"
	"os"
	"time"
)

// NodeStatus is what Status found out about one node.
type NodeStatus struct {
	Node
	NetNSExists bool  // /run/netns/<NetNS> exists
	Running     bool  // its init process is alive inside the namespace
	SSH         bool  // its sshd accepted a TCP connection
	Err         error // why the node is not healthy, if it is not
}

// Healthy reports whether the node is fully up.
func (s NodeStatus) Healthy() bool { return s.Err == nil }

// Status checks every node of a cluster.
func Status(c *Cluster) []NodeStatus {
	out := make([]NodeStatus, len(c.Nodes))
	done := make(chan struct{}, len(c.Nodes))
	for i, n := range c.Nodes {
		go func() {
			out[i] = nodeStatus(n)
			done <- struct{}{}
		}()
	}
	for range c.Nodes {
		<-done
	}
	return out
}

func nodeStatus(n Node) NodeStatus {
	s := NodeStatus{Node: n}
	if _, err := os.Stat(netnsPath(n.NetNS)); err != nil {
		s.Err = fmt.Errorf("network namespace %s is missing", n.NetNS)
		return s
	}
	s.NetNSExists = true
	if !alive(n.InitPID) || !inNetNS(n.InitPID, n.NetNS) {
		s.Err = fmt.Errorf("init process %d is not running in %s", n.InitPID, n.NetNS)
		return s
	}
	s.Running = true
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(n.Addr.String(), "22"), time.Second)
	if err != nil {
		s.Err = fmt.Errorf("sshd does not answer: %w", err)
		return s
	}
	conn.Close()
	s.SSH = true
	return s
}

// Check returns an error naming the first unhealthy node, or nil when every
// node is up.
func Check(c *Cluster) error {
	for _, s := range Status(c) {
		if s.Err != nil {
			return fmt.Errorf("node %s: %w", s.Name, s.Err)
		}
	}
	return nil
}
