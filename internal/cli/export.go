package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/ruledex/ruledex/internal/web"
)

func init() {
	register(&Command{
		Name:  "export",
		Usage: "site DIR [--db FILE] [--attack FILE] [SOURCE...] | navigator FILE [--db FILE | SOURCE...] [--facet KEY=VALUE]...",
		Summary: "write the website as static files to DIR (relative links, client-side search, rule JSON): " +
			"a built catalog (--db), rule folders (SOURCE...), or the embedded examples",
		Run: runExport,
	})
}

func runExport(env *Env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 && args[0] == "navigator" {
		// export navigator FILE [coverage's flags]: the coverage command's layer
		if len(args) < 2 || strings.HasPrefix(args[1], "-") {
			return &UsageError{Msg: "usage: export navigator FILE [--db FILE | SOURCE...] [--facet KEY=VALUE]... [--name NAME] [--attack-platform P,...]"}
		}
		cfs := flag.NewFlagSet("export navigator", flag.ContinueOnError)
		cfs.SetOutput(fs.Output())
		return runCoverage(env, cfs, append([]string{"--navigator", args[1]}, args[2:]...))
	}
	db := fs.String("db", "", "export this built catalog (ruledex build)")
	table := fs.String("attack", "", "ATT&CK table for the matrix (ruledex attack import), instead of the embedded one")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := useAttackTable(*table); err != nil {
		return err
	}
	if len(args) < 2 || args[0] != "site" {
		return &UsageError{Msg: "usage: export site DIR [--db FILE] [SOURCE...]"}
	}
	dir := args[1]
	cat, closeCat, err := loadCatalog(env, *db, args[2:])
	if err != nil {
		return err
	}
	defer closeCat()
	start := time.Now()
	sum, err := web.Export(env.Ctx, cat, dir, web.ExportOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "ruledex: exported %d pages, %d files, %.1f MB to %s in %s\n",
		sum.Pages, sum.Files, float64(sum.Bytes)/1e6, dir, time.Since(start).Round(time.Millisecond))
	return nil
}
