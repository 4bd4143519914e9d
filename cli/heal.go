package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/nemesis/ledger"
	"github.com/faultline/faultline/suite"
)

// healCommand is `faultline heal [--nodes ...]`: what every run does before
// its setup, on demand. It claims the nodes in the fault ledger (refused,
// naming the run, while a live run holds them), undoes what dead runs'
// ledger entries hold for them, then sweeps them for anything Faultline
// leaves (its iptables chains, netem qdiscs, stopped processes, lazyfs
// mounts), and prints each thing it undid.
func healCommand() *cobra.Command {
	var (
		nodes            []string
		username, key    string
		password         string
		strict           bool
		stateDir, ledDir string
	)
	cmd := &cobra.Command{
		Use:   "heal",
		Short: "Undo the faults killed runs left on the nodes (the local cluster when no --nodes are given)",
		Long: "heal does what every run does before its setup: it claims the nodes in the fault ledger\n" +
			"(refused while a live run holds them), undoes the faults the ledger holds for them from runs\n" +
			"whose process is gone, then removes whatever Faultline may have left anyway: its iptables\n" +
			"chains, netem qdiscs, stopped processes (SIGCONT) and lazyfs FUSE mounts. Killed database\n" +
			"processes and corrupted data are left to the next run's database teardown and setup.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			cl, err := healTarget(nodes, suite.Options{Nodes: nodes, Username: username, Password: password, SSHPrivateKey: key, StrictHostKeyChecking: strict}, stateDir)
			if err != nil {
				return err
			}
			ns, closeConns, err := connectNodes(ctx, cl)
			if err != nil {
				return &ExitError{Code: ExitCrash, Err: err}
			}
			defer closeConns()
			l := &ledger.Ledger{Dir: ledDir}
			claim, err := l.ClaimNodes(ctx, "", ns)
			var busy *ledger.BusyError
			if errors.As(err, &busy) {
				return &ExitError{Code: ExitInvalid, Err: err}
			}
			if err != nil {
				return &ExitError{Code: ExitCrash, Err: err}
			}
			healed, err := claim.Heal(ctx, ns)
			err = errors.Join(err, claim.Release())
			out := c.OutOrStdout()
			for _, f := range healed {
				fmt.Fprintf(out, "healed %s\n", f)
			}
			if len(healed) == 0 {
				fmt.Fprintf(out, "nothing to heal on %d nodes\n", len(ns))
			}
			if err != nil {
				return &ExitError{Code: ExitCrash, Err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&nodes, "nodes", nil, "nodes to heal, comma-separated (default: the local cluster)")
	f.StringVar(&username, "username", "root", "user to log in to nodes as")
	f.StringVar(&password, "password", "", "password to log in (and sudo) with")
	f.StringVar(&key, "ssh-private-key", "", "private key file to log in with")
	f.BoolVar(&strict, "strict-host-key-checking", true, "check nodes' host keys against known_hosts")
	f.StringVar(&stateDir, "state-dir", localcluster.DefaultStateDir, "the local cluster's state folder (without --nodes)")
	f.StringVar(&ledDir, "ledger", ledger.DefaultDir(), "the fault ledger's folder (env "+ledger.DirEnv+")")
	return cmd
}

// healTarget is the named nodes over SSH, or the local cluster.
func healTarget(nodes []string, o suite.Options, stateDir string) (suite.Cluster, error) {
	if len(nodes) > 0 {
		return suite.SSH(o), nil
	}
	lc, err := localcluster.Load(stateDir)
	if err != nil {
		return suite.Cluster{}, &ExitError{Code: ExitBadArgs, Err: fmt.Errorf("no --nodes given, and no local cluster: %w", err)}
	}
	return suite.Cluster{Nodes: lc.NodeNames(), Remote: lc.Remote()}, nil
}

// connectNodes opens a connection to every node of cl.
func connectNodes(ctx context.Context, cl suite.Cluster) ([]db.Node, func(), error) {
	conns, err := control.ConnectAll(ctx, cl.Remote, cl.Nodes)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to the nodes: %w", err)
	}
	ns := make([]db.Node, len(cl.Nodes))
	for i, n := range cl.Nodes {
		ns[i] = db.Node{Name: n, Nodes: cl.Nodes, Conn: conns[n]}
	}
	return ns, func() { conns.Close() }, nil
}

// printLeftovers prints the fault ledger's entries (live, or LEFTOVER when
// their owner is gone) and what a sweep of the nodes finds.
func printLeftovers(w io.Writer, st ledger.Status) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(st.Entries) == 0 {
		fmt.Fprintln(tw, "fault ledger: no entries")
	} else {
		fmt.Fprintln(tw, "LEDGER ENTRY\tNODES\tRUN\tOWNER")
	}
	for _, e := range st.Entries {
		var names []string
		for _, n := range e.Nodes {
			names = append(names, n.Name)
		}
		state := "live: " + e.Why
		if !e.Live {
			state = "LEFTOVER: " + e.Why
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", e.Fault, names, e.Run, state)
	}
	if len(st.Found) == 0 {
		fmt.Fprintln(tw, "on the nodes: no Faultline chain, netem qdisc, stopped process or lazyfs mount")
	}
	for _, f := range st.Found {
		fmt.Fprintf(tw, "on the nodes: %s\n", f)
	}
	tw.Flush()
}
