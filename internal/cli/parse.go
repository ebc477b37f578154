package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang"
)

func init() {
	register(&Command{
		Name:    "parse",
		Usage:   "[--lang LANGUAGE] [--format FORMAT] [--repo NAME] FILE_OR_DIR... (- for standard input)",
		Summary: "read rule files (no catalog) and print one JSON rule per line",
		Run:     runParse,
	})
}

func runParse(env *Env, fs *flag.FlagSet, args []string) error {
	readAs := formatFlags(fs)
	repo := fs.String("repo", "", "repository `NAME` to record (default: the folder's name)")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return &UsageError{Msg: "no file or folder given"}
	}
	opt, err := readAs.options()
	if err != nil {
		return err
	}
	var targets []ingest.Target
	for _, a := range args {
		targets = append(targets, ingest.Target{Repo: *repo, Path: a})
	}
	if *readAs.lang != "" {
		warnFormatMismatch(env, targets, opt.Format, *readAs.lang)
	}
	results, err := readRuleTargets(env, targets, opt)
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

// readAsFlags are --format and --lang: how to read rule files (and
// standard input, whose format is not told by a name).
type readAsFlags struct{ format, lang *string }

func formatFlags(fs *flag.FlagSet) readAsFlags {
	return readAsFlags{
		format: fs.String("format", "", "read every file as this `FORMAT` instead of telling it from the content"),
		lang:   fs.String("lang", "", "read every file as raw queries in this `LANGUAGE` ("+strings.Join(rawLanguages(), ", ")+")"),
	}
}

// options checks the flags and returns the ingest options they ask for.
func (f readAsFlags) options() (ingest.Options, error) {
	opt := ingest.Options{Format: *f.format}
	if *f.lang != "" {
		l := lang.Get(*f.lang)
		if l == nil || l.RawFormat == "" {
			return opt, &UsageError{Msg: fmt.Sprintf("--lang %s: the languages read as raw queries are %s", *f.lang, strings.Join(rawLanguages(), ", "))}
		}
		if opt.Format != "" && opt.Format != l.RawFormat {
			return opt, &UsageError{Msg: "give --lang or --format, not both"}
		}
		opt.Format = l.RawFormat
	}
	if opt.Format != "" && lang.FormatByName(opt.Format) == nil {
		var names []string
		for _, f := range lang.Formats() {
			names = append(names, f.Name)
		}
		return opt, &UsageError{Msg: fmt.Sprintf("--format %s: the formats are %s", opt.Format, strings.Join(names, ", "))}
	}
	return opt, nil
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

// warnFormatMismatch says which files read as raw queries in a language
// (--lang) are, by their content, of another format: a markdown file of
// queries read whole as one query gives rules no one wants.
func warnFormatMismatch(env *Env, targets []ingest.Target, format, language string) {
	for _, t := range targets {
		if t.Path == "-" {
			continue
		}
		files, err := ingest.ListFiles(t)
		if err != nil {
			continue
		}
		for _, f := range files {
			data, err := ingest.ReadBounded(f)
			if err != nil {
				continue
			}
			ft := lang.Detect(&lang.File{Path: filepath.ToSlash(f), Data: data})
			if ft == nil || ft.Name == format {
				continue
			}
			fmt.Fprintf(env.Stderr, "%s: warning: this file is %s (format %s), read here whole as raw %s queries (--lang %s); without --lang it is read as %s\n",
				termLine(f), container(ft), ft.Name, language, language, ft.Name)
		}
	}
}

// container is the kind of file a format reads, the last word of its
// name: markdown, yaml, toml, text, conf.
func container(ft *lang.Format) string {
	name := ft.Name
	if i := strings.LastIndexByte(name, '_'); i >= 0 {
		name = name[i+1:]
	}
	return name
}
