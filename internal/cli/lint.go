package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ruledex/ruledex/internal/build"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

func init() {
	register(&Command{
		Name:  "lint",
		Usage: "[--format text|json|sarif] [--fail-on error|warning|note] [--enable CHECK]... [--disable CHECK]... [--low-memory] [--db FILE] [--config ruledex.yaml] [--lang LANGUAGE] [--list] PATH... (- for standard input)",
		Summary: "check rules for mistakes (per rule and across them) and print the findings as text, JSON or SARIF 2.1.0; " +
			"the exit status is 1 when a finding is at or above --fail-on",
		Run: runLint,
	})
}

// listFlag is a flag that may be given many times, each a check id or ids
// separated by commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			*l = append(*l, id)
		}
	}
	return nil
}

// lintReport is the JSON form of a lint run.
type lintReport struct {
	Rules      int            `json:"rules"`
	Findings   []lintFinding  `json:"findings"`
	Counts     map[string]int `json:"counts"`     // by check
	Severities map[string]int `json:"severities"` // by severity
}

// lintFinding is a finding with the path as printed.
type lintFinding struct {
	lint.Finding
	File string `json:"file"` // the file as given on the command line (relative to the working folder where it can be)
}

func runLint(env *Env, fs *flag.FlagSet, args []string) error {
	format := fs.String("format", "text", "output `FORMAT`: text (path:line:col: severity: message [check]), json or sarif")
	failOn := fs.String("fail-on", "error", "exit with status 1 when a finding is at least this `SEVERITY`: error, warning or note")
	var enable, disable listFlag
	fs.Var(&enable, "enable", "run only this `CHECK` (repeatable, or ids separated by commas)")
	fs.Var(&disable, "disable", "do not run this `CHECK` (repeatable, or ids separated by commas)")
	db := fs.String("db", "", "lint the rules of this built catalog `FILE` instead of PATHs")
	cfgPath := fs.String("config", "", "configuration `FILE` with lint: disable: (- for standard input; default ./ruledex.yaml when it exists)")
	list := fs.Bool("list", false, "list the checks (id, severity, languages, message) and exit")
	lowMemory := fs.Bool("low-memory", false, "bound the heap as ruledex build --low-memory does (folders, files and --db)")
	language := fs.String("lang", "", "read every PATH (and standard input) as raw queries in this `LANGUAGE` ("+strings.Join(rawLanguages(), ", ")+")")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noStdio("--db", *db, "a catalog (a SQLite file)"); err != nil {
		return err
	}
	if *list {
		for _, c := range lint.Checks() {
			langs := "any"
			if len(c.Languages) > 0 {
				langs = strings.Join(c.Languages, ",")
			}
			fmt.Fprintf(env.Stdout, "%-32s %-8s %-6s %s\n", c.ID, c.Severity, langs, c.Message)
		}
		return nil
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		return &UsageError{Msg: "--format " + *format + ": text, json or sarif"}
	}
	if lint.SeverityRank(*failOn) == 0 {
		return &UsageError{Msg: "--fail-on " + *failOn + ": error, warning or note"}
	}
	if bad := lint.Unknown(append(append([]string{}, enable...), disable...)); len(bad) > 0 {
		return &UsageError{Msg: "no check " + strings.Join(bad, ", ") + " (ruledex lint --list)"}
	}
	opt := lint.Options{Enable: enable, Disable: disable, RepoDisable: map[string][]string{}}
	cfg, err := loadConfig(env, *cfgPath, true)
	if err != nil {
		return err
	}
	if cfg != nil {
		opt.Disable = append(opt.Disable, cfg.LintDisable...)
		for name, ids := range cfg.SourceLintDisable {
			opt.RepoDisable[name] = ids
		}
		if len(args) == 0 && *db == "" {
			for _, s := range cfg.Sources {
				args = append(args, s.Name+"="+s.Path)
			}
		}
	}
	var rules []*rule.Rule
	var findings []lint.Finding
	nrules, built := 0, false
	files := map[string]string{} // repo \x00 path → the file's path on disk
	switch {
	case *db != "":
		if len(args) > 0 {
			return &UsageError{Msg: "give --db or PATHs, not both"}
		}
		d, err := store.Open(*db)
		if err != nil {
			return err
		}
		// Each rule read once, as stored, and held no longer than its
		// checks take but for its skeleton (build.LintCatalog).
		bopt := build.Options{LowMemory: *lowMemory}
		if isTerminal(env.Stderr) {
			bopt.Progress, bopt.TTY = env.Stderr, true
		}
		rep, err := build.LintCatalog(env.Ctx, d, bopt, build.LintChecks{Enable: enable, Disable: opt.Disable, RepoDisable: opt.RepoDisable})
		d.Close()
		if err != nil {
			return err
		}
		nrules, findings, built = rep.Rules, rep.Findings, true
	case *language == "" && !slices.Contains(args, "-") && len(args) > 0:
		// Folders and files: read as a build reads them, each rule held
		// out of memory but for what the checks across the corpus read
		// (build.Lint), the findings a build of them stores.
		bopt := build.Options{Sources: sourcesOf(&Env{Ctx: env.Ctx, Stdout: env.Stdout, Stderr: discard{}}, args),
			LowMemory: *lowMemory}
		if isTerminal(env.Stderr) {
			bopt.Progress, bopt.TTY = env.Stderr, true // (its stages and a bar, on standard error: the output stays one format)
		}
		rep, err := build.Lint(env.Ctx, bopt, build.LintChecks{Enable: enable, Disable: opt.Disable, RepoDisable: opt.RepoDisable})
		if err != nil {
			return err
		}
		nrules, findings, built = rep.Rules, rep.Findings, true
		for k, abs := range rep.Files {
			files[k[0]+"\x00"+k[1]] = abs
		}
	default:
		if len(args) == 0 {
			return &UsageError{Msg: "no PATH given (and no ruledex.yaml naming sources)"}
		}
		var targets []ingest.Target
		for _, s := range sourcesOf(&Env{Ctx: env.Ctx, Stdout: env.Stdout, Stderr: discard{}}, args) {
			targets = append(targets, ingest.Target{Repo: s.Name, Path: s.Path})
		}
		noFormat := ""
		ropt, err := readAsFlags{format: &noFormat, lang: language}.options()
		if err != nil {
			return err
		}
		results, err := readRuleTargets(env, targets, ropt)
		if err != nil {
			return err
		}
		for _, res := range results {
			rules = append(rules, res.Rules...)
			if len(res.Rules) > 0 && res.Abs != "" {
				files[res.Repo+"\x00"+res.Path] = res.Abs
			}
		}
		// What the rules of a language say of each other (Sigma correlations,
		// macros defined in the repository), as a build resolves it.
		lang.Link(rules)
		opt.Source = func(r *rule.Rule) []byte {
			abs, ok := files[r.Source.Repo+"\x00"+r.Source.Path]
			if !ok {
				return nil
			}
			data, err := ingest.ReadBounded(abs)
			if err != nil {
				return nil
			}
			return data
		}
	}
	if !built {
		findings, nrules = lint.Run(rules, opt), len(rules)
	}

	wd, _ := os.Getwd()
	shown := func(f lint.Finding) string {
		if abs, ok := files[f.Repo+"\x00"+f.Path]; ok {
			if a, err := filepath.Abs(abs); err == nil && wd != "" {
				if rel, err := filepath.Rel(wd, a); err == nil && !strings.HasPrefix(rel, "..") {
					return filepath.ToSlash(rel)
				}
			}
			return filepath.ToSlash(abs)
		}
		if f.Repo == "" {
			return f.Path
		}
		if f.Repo == stdinName && f.Path == stdinName {
			return "-"
		}
		return f.Repo + "/" + f.Path
	}
	byCheck, bySev := lint.Count(findings)
	switch *format {
	case "text":
		for _, f := range findings {
			fmt.Fprintf(env.Stdout, "%s:%d:%d: %s: %s [%s]\n", termLine(shown(f)), f.Line, f.Col, f.Severity, termLine(f.Message), f.Check)
		}
	case "json":
		rep := lintReport{Rules: nrules, Findings: []lintFinding{}, Counts: byCheck, Severities: bySev}
		for _, f := range findings {
			rep.Findings = append(rep.Findings, lintFinding{Finding: f, File: shown(f)})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	case "sarif":
		var run []*lint.Check
		for _, c := range lint.Checks() {
			if (len(enable) == 0 || slices.Contains(enable, c.ID)) && !slices.Contains(opt.Disable, c.ID) {
				run = append(run, c)
			}
		}
		log, dropped := lint.SARIF(findings, run, "", func(f lint.Finding) string { return sarifURI(shown(f)) })
		if dropped > 0 {
			fmt.Fprintf(env.Stderr, "ruledex lint: %d findings left out of the SARIF log (GitHub code scanning takes at most %d a run; the most severe are kept)\n", dropped, lint.MaxSARIFResults)
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(log); err != nil {
			return err
		}
	}
	// The summary goes to stderr, so the output stays one format.
	var parts []string
	for _, s := range []string{lint.Error, lint.Warning, lint.Note} {
		parts = append(parts, fmt.Sprintf("%d %ss", bySev[s], s))
	}
	fmt.Fprintf(env.Stderr, "ruledex lint: %d rules, %d findings (%s)\n", nrules, len(findings), strings.Join(parts, ", "))
	failing := 0
	for s, n := range bySev {
		if lint.SeverityRank(s) >= lint.SeverityRank(*failOn) {
			failing += n
		}
	}
	if failing > 0 {
		return fmt.Errorf("%d findings at or above %s", failing, *failOn)
	}
	return nil
}

// sarifURI makes a relative path a URI reference: its segments escaped
// where a URI needs it (spaces, %, #, ?).
func sarifURI(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		var b strings.Builder
		for j := 0; j < len(s); j++ {
			c := s[j]
			if c <= ' ' || c >= 0x7f || strings.IndexByte(`%#?"<>\^`+"`{|}[]", c) >= 0 {
				fmt.Fprintf(&b, "%%%02X", c)
				continue
			}
			b.WriteByte(c)
		}
		segs[i] = b.String()
	}
	return strings.Join(segs, "/")
}

// discard drops what is written to it.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
