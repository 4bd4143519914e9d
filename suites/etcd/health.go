package etcd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/faultline/faultline/db"
)

// adminClient is a short-lived client of one node for setup and faults.
func adminClient(b *AddrBook, node string) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{Endpoints: []string{b.ClientEndpoint(node)}, Logger: zap.NewNop()})
}

// waitHealthy waits until node serves a linearizable read, which needs a
// leader and a quorum, trying every 200 ms for at most timeout.
func waitHealthy(ctx context.Context, b *AddrBook, node string, timeout time.Duration) error {
	c, err := adminClient(b, node)
	if err != nil {
		return fmt.Errorf("on %s: %w", node, err)
	}
	defer c.Close()
	deadline := time.Now().Add(timeout)
	for {
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.Get(rctx, "faultline-health")
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("on %s: etcd did not serve a linearizable read within %v (see %s on the node): %w", node, timeout, LogFile, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Primaries returns the nodes that say they are the leader now. Every node
// is asked at once (1 s each); a node that does not answer (killed,
// paused, cut off) is left out. A node cut off from the others may still
// believe it leads until its election timeout passes, so there can briefly
// be two; none (an election under way) is not an error.
func (d *DB) Primaries(ctx context.Context, nodes []db.Node) ([]string, error) {
	var (
		mu      sync.Mutex
		leaders []string
		errs    []error
		wg      sync.WaitGroup
	)
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lead, err := isLeader(ctx, d.Book, n.Name)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if lead {
				leaders = append(leaders, n.Name)
			}
		}()
	}
	wg.Wait()
	sort.Strings(leaders)
	if len(errs) == len(nodes) && len(nodes) > 0 {
		return nil, fmt.Errorf("no node answered a status request: %w", errors.Join(errs...))
	}
	return leaders, nil
}

// isLeader asks node for its status: it leads when the leader it reports
// is itself.
func isLeader(ctx context.Context, b *AddrBook, node string) (bool, error) {
	c, err := adminClient(b, node)
	if err != nil {
		return false, fmt.Errorf("on %s: %w", node, err)
	}
	defer c.Close()
	sctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	st, err := c.Status(sctx, b.ClientEndpoint(node))
	if err != nil {
		return false, fmt.Errorf("on %s: status: %w", node, err)
	}
	return st.Leader != 0 && st.Leader == st.Header.MemberId, nil
}
