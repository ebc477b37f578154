package mcp

import (
	"context"
	"path"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
)

// LintIn is the input of lint_rule.
type LintIn struct {
	Text     string `json:"text" jsonschema:"the rule text: a whole rule file in a format ruledex reads, or a raw query (with language)"`
	Language string `json:"language,omitempty" jsonschema:"read the text as a raw query in this language (the tool's description lists them)"`
	Format   string `json:"format,omitempty" jsonschema:"read the text as this file format (the tool's description lists them)"`
	FileName string `json:"file_name,omitempty" jsonschema:"the file's name (e.g. rule.yml), whose extension and content tell the format when neither language nor format is given"`
}

// LintOut is what ruledex read of a text and what lint found in it.
type LintOut struct {
	Format      string            `json:"format" jsonschema:"the format the text was read as"`
	Rules       []LintedRule      `json:"rules" jsonschema:"the rules read"`
	Diagnostics []rule.Diagnostic `json:"diagnostics" jsonschema:"what the reader said of the text (syntax errors...), the file's and each rule's (at most 100)"`
	Findings    []lint.Finding    `json:"findings" jsonschema:"lint's findings (at most 100); path is file_name"`
	Counts      map[string]int    `json:"counts" jsonschema:"findings by severity"`
}

// LintedRule is a rule read from the text.
type LintedRule struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Language string `json:"language"`
	Platform string `json:"platform"`
}

const lintRepo = "mcp" // the repository name of a linted text

func (t *tools) lint(ctx context.Context, _ *sdk.CallToolRequest, in LintIn) (*sdk.CallToolResult, *LintOut, error) {
	if strings.TrimSpace(in.Text) == "" {
		return nil, nil, toolError("give text, the rule to lint")
	}
	if len(in.Text) > MaxLintBytes {
		return nil, nil, toolError("text of %d bytes is larger than the %d bytes lint_rule reads", len(in.Text), MaxLintBytes)
	}
	format := in.Format
	if in.Language != "" {
		l := lang.Get(in.Language)
		if l == nil || l.RawFormat == "" {
			return nil, nil, toolError("language %q: the languages read as raw queries are %s", in.Language, strings.Join(rawLanguages(), ", "))
		}
		if format != "" && format != l.RawFormat {
			return nil, nil, toolError("give language or format, not both")
		}
		format = l.RawFormat
	}
	if format != "" && lang.FormatByName(format) == nil {
		return nil, nil, toolError("format %q: the formats are %s", format, strings.Join(formatNames(), ", "))
	}
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(in.FileName), "\\", "/"))
	if name == "." || name == "/" {
		name = "rule"
	}
	if format == "" && lang.Detect(&lang.File{Repo: lintRepo, Path: name, Data: []byte(in.Text)}) == nil {
		return nil, nil, toolError("cannot tell the text's format from file name %q and its content: give language (%s) or format (%s)",
			name, strings.Join(rawLanguages(), ", "), strings.Join(formatNames(), ", "))
	}
	res := ingest.ReadData(lintRepo, name, "", []byte(in.Text), format)
	results := []ingest.FileResult{res}
	ingest.AssignIDs(results)
	res = results[0]
	lang.Link(res.Rules)
	out := &LintOut{Format: res.Format, Rules: []LintedRule{}, Diagnostics: []rule.Diagnostic{}, Findings: []lint.Finding{}}
	diags := res.Diags
	for _, r := range res.Rules {
		out.Rules = append(out.Rules, LintedRule{ID: r.ID, Title: r.Title, Language: r.Language, Platform: r.Platform})
		diags = append(diags, r.Diagnostics...)
	}
	out.Diagnostics = append(out.Diagnostics, diags[:min(len(diags), maxRefs)]...)
	// What `ruledex lint FILE` finds in the file (every check, over the
	// rules of the text).
	fs := lint.Run(res.Rules, lint.Options{Source: func(*rule.Rule) []byte { return []byte(in.Text) }})
	_, out.Counts = lint.Count(fs)
	out.Findings = append(out.Findings, fs[:min(len(fs), maxRefs)]...)
	return nil, out, nil
}

func rawLanguages() []string {
	var names []string
	for _, l := range lang.All() {
		if l.RawFormat != "" {
			names = append(names, l.Name)
		}
	}
	return names
}

func formatNames() []string {
	var names []string
	for _, f := range lang.Formats() {
		names = append(names, f.Name)
	}
	return names
}
