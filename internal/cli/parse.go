package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang"
)

func init() {
	register(&Command{
		Name:    "parse",
		Usage:   "[--lang LANGUAGE] [--format FORMAT] FILE_OR_DIR...",
		Summary: "read rule files (no catalog) and print one JSON rule per line",
		Run:     runParse,
	})
}

func runParse(env *Env, fs *flag.FlagSet, args []string) error {
	format := fs.String("format", "", "read every file as this format instead of telling it from the content")
	language := fs.String("lang", "", "read every file as raw queries in this language ("+strings.Join(rawLanguages(), ", ")+")")
	repo := fs.String("repo", "", "repository name to record (default: the folder's name)")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return &UsageError{Msg: "no file or folder given"}
	}
	opt := ingest.Options{Format: *format}
	if *language != "" {
		l := lang.Get(*language)
		if l == nil || l.RawFormat == "" {
			return &UsageError{Msg: fmt.Sprintf("--lang %s: the languages read as raw queries are %s", *language, strings.Join(rawLanguages(), ", "))}
		}
		opt.Format = l.RawFormat
	}
	if opt.Format != "" && lang.FormatByName(opt.Format) == nil {
		var names []string
		for _, f := range lang.Formats() {
			names = append(names, f.Name)
		}
		return &UsageError{Msg: fmt.Sprintf("--format %s: the formats are %s", opt.Format, strings.Join(names, ", "))}
	}
	var targets []ingest.Target
	for _, a := range args {
		targets = append(targets, ingest.Target{Repo: *repo, Path: a})
	}
	results, err := ingest.Read(env.Ctx, targets, opt)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	for _, res := range results {
		for _, d := range res.Diags {
			fmt.Fprintf(env.Stderr, "%s:%d:%d: %s: %s\n", termLine(d.Path), d.Line, d.Col, d.Severity, termLine(d.Message))
		}
		for _, r := range res.Rules {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// rawLanguages returns the registered languages whose raw queries parse reads.
func rawLanguages() []string {
	var names []string
	for _, l := range lang.All() {
		if l.RawFormat != "" {
			names = append(names, l.Name)
		}
	}
	return names
}
