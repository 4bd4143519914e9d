package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/web"
)

// serveCommand is `faultline serve`: Jepsen's `lein run serve`, a browser
// view of the store's runs (package web), until Ctrl-C.
func serveCommand() *cobra.Command {
	var root, addr string
	var public bool
	var maxResults int64
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Browse the store of past runs in a web browser",
		Long: "Serve the store folder over HTTP: every run with its status (newest first, filtered by test and\n" +
			"status), a page per run that explains its verdict (anomalies and counterexamples linked to their ops),\n" +
			"faults over time, plots, configuration and logs; a paged, filterable history view; runs in progress\n" +
			"as they grow; two runs compared; the raw files and a zip of each run folder.\n" +
			"It listens on this machine only unless --public is given: anyone who can reach the address can read\n" +
			"every run in the store. Runs until interrupted. Exit status: 0 stopped, 254 no store folder, the\n" +
			"address is taken, or it is not a loopback address and --public is missing.",
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&root, "store", "store", "the store folder holding the runs")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on (port 0 picks a free one)")
	cmd.Flags().BoolVar(&public, "public", false, "allow an address other machines can reach (\":8080\", \"0.0.0.0:8080\", a LAN address)")
	cmd.Flags().Int64Var(&maxResults, "max-results-bytes", web.DefaultMaxResults, "largest results.json loaded whole; bigger ones show their verdict and size only")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkStoreDir(root); err != nil {
			return err
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return BadArgs("serve: %w", err)
		}
		if !isLoopback(ln.Addr()) {
			if !public {
				ln.Close()
				return BadArgs("serve: --addr %s listens on %s, which other machines can reach, and anyone who reaches it can read every run in the store: pass --public to serve it anyway, or listen on 127.0.0.1", addr, ln.Addr())
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: serving store %s on %s, which other machines can reach: anyone who can reach this address can read every run in the store (histories, logs, configurations)\n", root, ln.Addr())
		}
		ctx, stop := interruptible(cmd.Context())
		defer stop()
		fmt.Fprintf(cmd.OutOrStdout(), "Serving store %s at http://%s/ (Ctrl-C to stop)\n", root, ln.Addr())
		h := web.New(root)
		h.MaxResults = maxResults
		return serveUntilDone(ctx, ln, h)
	}
	return cmd
}

// isLoopback reports whether a listening address is reachable from this
// machine only. An unspecified address (":8080", "0.0.0.0", "::") listens
// on every interface, so it is not.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// checkStoreDir says plainly when the store folder is missing: serving an
// empty page from a mistyped --store would only puzzle.
func checkStoreDir(root string) error {
	st, err := os.Stat(root)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return BadArgs("serve: store folder %s does not exist: run a test first, or point --store at a store folder", root)
	case err != nil:
		return BadArgs("serve: store folder %s: %w", root, err)
	case !st.IsDir():
		return BadArgs("serve: store %s is not a folder", root)
	}
	return nil
}

// serveUntilDone serves h on ln until ctx ends, then lets requests in flight
// (a zip download, say) finish for a few seconds before closing.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := web.HTTPServer(h)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		_ = srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
