package cli

import (
	"errors"
	"flag"
	"io"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/mcp"
)

func init() {
	register(&Command{
		Name:  "mcp",
		Usage: "[--db FILE] [--attack FILE] [SOURCE...]",
		Summary: "serve the catalog to AI assistants as a Model Context Protocol server on standard input and output: " +
			"a built catalog (--db), rule folders (SOURCE...), or the embedded examples with no arguments",
		Run: runMCP,
	})
}

func runMCP(env *Env, fs *flag.FlagSet, args []string) error {
	db := fs.String("db", "", "serve this built catalog `FILE` (ruledex build)")
	table := fs.String("attack", "", "ATT&CK table `FILE` for the coverage (ruledex attack import), instead of the embedded one")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := useAttackTable(*table); err != nil {
		return err
	}
	// The catalog as serve opens it; standard output is the protocol's,
	// so everything said on the way goes to standard error.
	cat, closeCat, err := loadCatalog(env, *db, args)
	if err != nil {
		return err
	}
	defer closeCat()
	mc, ok := cat.(mcp.Catalog)
	if !ok {
		return errors.New("this catalog has no store to serve over MCP")
	}
	srv := mcp.New(mc, readBuildVersion().String())
	t := &sdk.IOTransport{Reader: io.NopCloser(env.Stdin), Writer: mcpOut{env.Stdout}}
	err = srv.Run(env.Ctx, t)
	if env.Ctx.Err() != nil || errors.Is(err, io.EOF) {
		return nil // the client closed the session, or the command was interrupted
	}
	return err
}

type mcpOut struct{ io.Writer }

func (mcpOut) Close() error { return nil }
