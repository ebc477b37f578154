// Command ruledex reads detection rules in many languages into one model,
// cross-references them and publishes them as a website, JSON API and CLI.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/ruledex/ruledex/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
