package cli

import (
	"context"
	"fmt"
	"net/netip"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/nemesis/ledger"
	"github.com/faultline/faultline/suite"
)

// clusterCommand is `faultline cluster up|down|status`: the local cluster of
// namespaces that `faultline test` uses when no nodes are given.
func clusterCommand() *cobra.Command {
	var (
		cfg    localcluster.Config
		subnet string
	)
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Build, inspect and remove the local cluster: nodes made of Linux namespaces on this machine (needs root)",
		Long: "The local cluster is N nodes on this machine, each with its own network, PID, UTS and mount namespaces and its own sshd.\n" +
			"State (nodes file, SSH key, known_hosts, ssh_config, cluster.json) lives in --state-dir; `ssh -F <state-dir>/ssh_config n1` logs in.\n" +
			"The nodes share this machine's kernel, clock and installed programs.",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&cfg.Name, "name", localcluster.DefaultName, "prefix of the cluster's namespaces and links (1-8 lowercase letters and digits)")
	pf.StringVar(&cfg.StateDir, "state-dir", localcluster.DefaultStateDir, "where the cluster's state files live")
	pf.StringVar(&cfg.DiskDir, "disk-dir", "", "where the nodes' private files live (default "+localcluster.DefaultDiskRoot+"/<name>)")
	pf.StringVar(&subnet, "subnet", localcluster.DefaultSubnet.String(), "the private /24 of the cluster's bridge")
	parse := func() error {
		p, err := netip.ParsePrefix(subnet)
		if err != nil {
			return BadArgs("--subnet %q: want a /24 such as %s", subnet, localcluster.DefaultSubnet)
		}
		cfg.Subnet = p
		if err := cfg.Validate(); err != nil {
			return BadArgs("%v", err)
		}
		return nil
	}
	// failed marks errors of the machine (not of the arguments) with the
	// crash exit status.
	failed := func(err error) error {
		if err == nil {
			return nil
		}
		return &ExitError{Code: ExitCrash, Err: err}
	}

	up := &cobra.Command{
		Use:   "up",
		Short: "Build the cluster (or do nothing if it is already up)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := parse(); err != nil {
				return err
			}
			cl, err := localcluster.Up(c.Context(), cfg, c.ErrOrStderr())
			if err != nil {
				return failed(err)
			}
			printStatus(c, cl)
			fmt.Fprintf(c.OutOrStdout(), "log in with: ssh -F %s/ssh_config %s\n", cl.StateDir, cl.Nodes[0].Name)
			return nil
		},
	}
	up.Flags().IntVar(&cfg.Nodes, "nodes", localcluster.DefaultNodes, "how many nodes (n1..nN)")

	down := &cobra.Command{
		Use:   "down",
		Short: "Remove every namespace, link, process and file of the cluster",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := parse(); err != nil {
				return err
			}
			return failed(localcluster.Down(c.Context(), cfg, c.ErrOrStderr()))
		},
	}

	var ledDir string
	status := &cobra.Command{
		Use:   "status",
		Short: "Report each node (namespace, init process, sshd) and leftover faults (exit status 1 when any node is down)",
		Long: "status reports each node, then the fault ledger's entries (live runs' faults, and leftovers of runs\n" +
			"whose process is gone) and what Faultline may have left on the nodes (its iptables chains, netem\n" +
			"qdiscs, stopped processes, lazyfs mounts). `faultline heal` undoes the leftovers.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := localcluster.Load(cfg.StateDir)
			if err != nil {
				return &ExitError{Code: ExitInvalid, Err: err}
			}
			if !printStatus(c, cl) {
				return &ExitError{Code: ExitInvalid}
			}
			ns, closeConns, err := connectNodes(c.Context(), suite.Cluster{Nodes: cl.NodeNames(), Remote: cl.Remote()})
			if err != nil {
				return &ExitError{Code: ExitCrash, Err: err}
			}
			defer closeConns()
			st, err := (&ledger.Ledger{Dir: ledDir}).Look(c.Context(), ns)
			if err != nil {
				return &ExitError{Code: ExitCrash, Err: fmt.Errorf("looking for leftover faults: %w", err)}
			}
			printLeftovers(c.OutOrStdout(), st)
			return nil
		},
	}
	status.Flags().StringVar(&ledDir, "ledger", ledger.DefaultDir(), "the fault ledger's folder (env "+ledger.DirEnv+")")
	cmd.AddCommand(up, down, status)
	cmd.PersistentPreRun = func(c *cobra.Command, _ []string) {
		if c.Context() == nil {
			c.SetContext(context.Background())
		}
	}
	return cmd
}

// printStatus prints one line per node and reports whether all are healthy.
func printStatus(c *cobra.Command, cl *localcluster.Cluster) bool {
	w := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NODE\tADDRESS\tNETNS\tINIT PID\tSTATE")
	healthy := true
	for _, s := range localcluster.Status(cl) {
		state := "up"
		if s.Err != nil {
			state, healthy = "DOWN: "+s.Err.Error(), false
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", s.Name, s.Addr, s.NetNS, s.InitPID, state)
	}
	w.Flush()
	return healthy
}
