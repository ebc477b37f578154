package cli

import (
	"encoding/json"
	"flag"
	"fmt"

	"github.com/ruledex/ruledex/internal/ingest"
)

func init() {
	register(&Command{
		Name:    "parse",
		Usage:   "[--lang kql] FILE_OR_DIR...",
		Summary: "read rule files (no catalog) and print one JSON rule per line",
		Run:     runParse,
	})
}

func runParse(env *Env, fs *flag.FlagSet, args []string) error {
	format := fs.String("format", "", "read every file as this format instead of telling it from the content")
	lang := fs.String("lang", "", "read every file as a raw query in this language (kql)")
	repo := fs.String("repo", "", "repository name to record (default: the folder's name)")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return &UsageError{Msg: "no file or folder given"}
	}
	opt := ingest.Options{Format: *format}
	switch *lang {
	case "":
	case "kql", "kusto":
		opt.Format = "kql_text"
	default:
		return &UsageError{Msg: fmt.Sprintf("--lang %s: only kql is read as a raw query", *lang)}
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
			fmt.Fprintf(env.Stderr, "%s:%d:%d: %s: %s\n", d.Path, d.Line, d.Col, d.Severity, d.Message)
		}
		for _, r := range res.Rules {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}
