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
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Browse the store of past runs in a web browser",
		Long: "Serve the store folder over HTTP: every run with its verdict (newest first), a page per run with\n" +
			"its summary, configuration, plots and explanations, the raw files and a zip of each run folder.\n" +
			"Runs until interrupted. Exit status: 0 stopped, 254 no store folder or the address is taken.",
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&root, "store", "store", "the store folder holding the runs")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on (port 0 picks a free one)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkStoreDir(root); err != nil {
			return err
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return BadArgs("serve: %w", err)
		}
		ctx, stop := interruptible(cmd.Context())
		defer stop()
		fmt.Fprintf(cmd.OutOrStdout(), "Serving store %s at http://%s/ (Ctrl-C to stop)\n", root, ln.Addr())
		return serveUntilDone(ctx, ln, web.Handler(root))
	}
	return cmd
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
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
