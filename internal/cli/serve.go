package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"
)

func init() {
	register(&Command{
		Name:    "serve",
		Usage:   "[--addr HOST:PORT] [--db FILE] [SOURCE...]",
		Summary: "serve the knowledge base as a website and JSON API (the embedded examples with no arguments)",
		Run:     runServe,
	})
}

func runServe(env *Env, fs *flag.FlagSet, args []string) error {
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ruledex: no catalog yet")
	})
	return listenAndServe(env.Ctx, env, *addr, mux)
}

// listenAndServe serves h on addr until ctx ends, then shuts down gracefully.
func listenAndServe(ctx context.Context, env *Env, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(env.Stderr, "ruledex: serving on http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
