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
		Usage: "site DIR [--db FILE] [--attack FILE] [--gzip | --gzip-only] [SOURCE...] | navigator FILE [--db FILE | SOURCE...] [--facet KEY=VALUE]... (FILE - for standard output)",
		Summary: "write the website as static files to DIR (relative links, client-side search, rule JSON): " +
			"a built catalog (--db), rule folders (SOURCE...), or the embedded examples; " +
			"or the ATT&CK Navigator layer of the rules' coverage to FILE (export navigator takes coverage's flags)",
		Run: runExport,
	})
}

func runExport(env *Env, fs *flag.FlagSet, args []string) error {
	// export site and export navigator share one flag set (coverage's
	// flags), so that flags come anywhere in either.
	c := defineCoverageFlags(fs)
	gz := fs.Bool("gzip", false, "export site: also write each file gzip-compressed beside it (FILE.gz), for servers that send precompressed files")
	gzOnly := fs.Bool("gzip-only", false, "export site: write each file gzip-compressed only (FILE.gz, a quarter of the size), for servers that send it as it is and decompress it for the rare client that takes no gzip (nginx gzip_static always with gunzip on; an object store with Content-Encoding: gzip); such a site cannot be opened from disk")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] == "navigator" {
		// export navigator FILE: the coverage command's layer
		if len(args) < 2 {
			return &UsageError{Msg: "export navigator FILE: give the layer's FILE (- for standard output)"}
		}
		if *c.navigator != "" || *gz || *gzOnly {
			return &UsageError{Msg: "export navigator FILE takes no --navigator, --gzip or --gzip-only"}
		}
		*c.navigator = args[1]
		return coverage(env, c, args[2:])
	}
	var navOnly []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "db" && f.Name != "attack" && f.Name != "gzip" && f.Name != "gzip-only" {
			navOnly = append(navOnly, "--"+f.Name)
		}
	})
	if len(navOnly) > 0 {
		return &UsageError{Msg: strings.Join(navOnly, ", ") + ": flags of export navigator, not export site"}
	}
	if *gz && *gzOnly {
		return &UsageError{Msg: "export site: --gzip writes each file and its compressed copy, --gzip-only the compressed copy alone: give one of them"}
	}
	db, table := c.db, c.table
	if err := noStdio("--db", *db, "a catalog (a SQLite file)"); err != nil {
		return err
	}
	if err := useAttackTableFrom(env, *table); err != nil {
		return err
	}
	if len(args) < 2 || args[0] != "site" {
		return &UsageError{Msg: "usage: export site DIR [--db FILE] [SOURCE...]"}
	}
	dir := args[1]
	if err := noStdio("export site", dir, "a site (a folder of files)"); err != nil {
		return err
	}
	cat, closeCat, err := loadCatalog(env, *db, args[2:])
	if err != nil {
		return err
	}
	defer closeCat()
	start := time.Now()
	built := buildMark(env, cat)
	sum, err := web.Export(env.Ctx, cat, dir, web.ExportOptions{Gzip: *gz, GzipOnly: *gzOnly})
	if err != nil {
		return err
	}
	// A build that wrote over the catalog in place while it was exported
	// (one SQLite transaction: every statement read one build or the
	// other) leaves a site of both.
	if now := buildMark(env, cat); now != built {
		return fmt.Errorf("%s was rebuilt in place while it was exported: the site in %s mixes two builds; export it again", termLine(*db), termLine(dir))
	}
	fmt.Fprintf(env.Stderr, "ruledex: exported %d pages, %d files, %.1f MB to %s in %s\n",
		sum.Pages, sum.Files, float64(sum.Bytes)/1e6, dir, time.Since(start).Round(time.Millisecond))
	return nil
}
