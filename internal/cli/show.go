package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

func init() {
	register(&Command{
		Name:  "show",
		Usage: "[--json] [--db FILE] [--format FORMAT | --lang LANGUAGE] FILE[#N] | ID (- for standard input)",
		Summary: "print one rule as a readable page (or as the contract's JSON with --json): " +
			"FILE#N is the N-th rule of a file (1-based), ID a rule of a built catalog",
		Run: runShow,
	})
}

// lookupRule finds a rule by id in a built catalog. It is set by the
// catalog's command file, so that show works on files without a store.
var lookupRule func(env *Env, db, id string) (*rule.Rule, error)

func runShow(env *Env, fs *flag.FlagSet, args []string) error {
	asJSON := fs.Bool("json", false, "print the rule's JSON (the contract of ruledex parse)")
	db := fs.String("db", "ruledex.db", "catalog `FILE` to look ids up in")
	readAs := formatFlags(fs)
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noStdio("--db", *db, "a catalog (a SQLite file)"); err != nil {
		return err
	}
	opt, err := readAs.options()
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return &UsageError{Msg: "give one FILE[#N] or ID"}
	}
	r, err := findRule(env, *db, args[0], opt)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	writePage(&termWriter{w: env.Stdout}, r) // rule text is untrusted: no control sequence reaches the terminal
	return nil
}

// findRule reads the rule that arg names: a file (with #N for the N-th rule,
// or #ID for the rule with that id), else an id of the catalog.
func findRule(env *Env, db, arg string, opt ingest.Options) (*rule.Rule, error) {
	path, sel, _ := strings.Cut(arg, "#")
	if st, err := os.Stat(path); path == "-" || err == nil && !st.IsDir() {
		res, err := readRuleTargets(env, []ingest.Target{{Path: path}}, opt)
		if err != nil {
			return nil, err
		}
		var rules []*rule.Rule
		for _, fr := range res {
			for _, d := range fr.Diags {
				fmt.Fprintf(env.Stderr, "%s:%d:%d: %s: %s\n", d.Path, d.Line, d.Col, d.Severity, d.Message)
			}
			rules = append(rules, fr.Rules...)
		}
		if len(rules) == 0 {
			return nil, fmt.Errorf("%s: no rule read", path)
		}
		if sel == "" {
			if len(rules) > 1 {
				fmt.Fprintf(env.Stderr, "ruledex show: %s holds %d rules; showing #1 (use %s#N)\n", path, len(rules), path)
			}
			return rules[0], nil
		}
		if n, err := strconv.Atoi(sel); err == nil {
			if n < 1 || n > len(rules) {
				return nil, fmt.Errorf("%s holds %d rules; #%d is out of range", path, len(rules), n)
			}
			return rules[n-1], nil
		}
		for _, r := range rules {
			if r.ID == sel || r.Variant == sel {
				return r, nil
			}
		}
		return nil, fmt.Errorf("%s: no rule %q", path, sel)
	}
	if lookupRule == nil {
		return nil, fmt.Errorf("%s: no such file, and this build has no catalog to look ids up in", arg)
	}
	return lookupRule(env, db, arg)
}

// writePage prints r in the order of a rule page (DESIGN.md, "Seed pages,
// done right"), for a terminal.
func writePage(w io.Writer, r *rule.Rule) {
	p := &pageWriter{w: w}
	p.line("Detection rules › %s", r.Platform)
	p.line("")
	p.line("%s", r.Title)
	p.line("%s", strings.Repeat("=", min(max(len([]rune(r.Title)), 3), 100)))
	p.field("id", r.ID)
	p.field("kind", r.Kind)
	p.field("status", r.Status)
	p.field("severity", r.Severity)
	p.field("time window", r.TimeWindow)
	p.field("frequency", r.Frequency)
	p.field("trigger", r.Trigger)
	p.field("group by", strings.Join(r.GroupBy, ", "))
	p.field("authors", strings.Join(r.Authors, ", "))
	p.field("date", joinNonEmpty(" / modified ", r.Date, r.Modified))
	src := r.Source.Path
	if r.Source.Repo != "" {
		src = r.Source.Repo + ": " + src
	}
	if r.Source.Line > 0 {
		src += ":" + strconv.Itoa(r.Source.Line)
	}
	p.field("source", src)
	p.field("link", r.Source.URL)
	p.field("variant", r.Variant)
	p.field("tags", strings.Join(r.Tags, ", "))
	if r.Description != "" {
		p.section("Description")
		p.line("%s", strings.TrimSpace(r.Description))
	}
	for _, sec := range r.Sections {
		p.section(sec.Title)
		p.line("%s", strings.TrimSpace(sec.Text))
	}
	if len(r.Techniques) > 0 || len(r.Tactics) > 0 {
		p.section("MITRE ATT&CK")
		var rows [][]string
		for _, t := range r.Techniques {
			name := t.Name
			switch {
			case t.Unknown:
				name = "(unknown technique)"
			case t.Revoked:
				name += " (revoked, stated as " + t.StatedAs + ")"
			case t.Deprecated:
				name += " (deprecated)"
			}
			rows = append(rows, []string{t.Tactic, t.ID, name})
		}
		if len(r.Techniques) == 0 {
			for _, ta := range r.Tactics {
				rows = append(rows, []string{ta, "", ""})
			}
		}
		p.table([]string{"tactic", "technique", "name"}, rows)
	}
	p.list("References", r.References)
	if len(r.Events) > 0 {
		p.section("Event coverage")
		var rows [][]string
		for _, e := range r.Events {
			rows = append(rows, []string{e.Provider, e.Event, e.Title})
		}
		p.table([]string{"provider", "event", "title"}, rows)
	}
	p.refs("Rules detecting the same action", r.SameAction, true)
	p.behaviour(r)
	if r.Query != "" {
		p.section("Rule body")
		for _, l := range strings.Split(strings.TrimRight(r.Query, "\n"), "\n") {
			p.line("    %s", l)
		}
	}
	if len(r.Params) > 0 {
		p.section("Parameters")
		var rows [][]string
		for _, pa := range r.Params {
			rows = append(rows, []string{pa.Name, pa.Kind, oneLine(pa.Value, 100)})
		}
		p.table([]string{"name", "kind", "value"}, rows)
	}
	if len(r.Stages) > 0 {
		p.section("Stages")
		p.stages(r.Stages, "")
	}
	if len(r.Indicators) > 0 {
		p.section("Indicators")
		var rows [][]string
		for _, in := range r.Indicators {
			rows = append(rows, []string{in.Field, kindLabel(in.Kind, in.CaseSensitive, in.Negated, in.All), indicatorValues(in)})
		}
		p.table([]string{"field", "kind", "values"}, rows)
	}
	if len(r.Outputs) > 0 {
		p.section("Output fields")
		var rows [][]string
		for _, o := range r.Outputs {
			src := o.Source
			if o.Stage > 0 {
				src += " (stage " + strconv.Itoa(o.Stage) + ")"
			}
			rows = append(rows, []string{o.Name, src, oneLine(o.Expr, 60), o.Entity})
		}
		p.table([]string{"field", "source", "expression", "entity"}, rows)
	}
	if len(r.EntityMappings) > 0 {
		p.section("Entity mappings")
		var rows [][]string
		for _, e := range r.EntityMappings {
			rows = append(rows, []string{e.EntityType, e.Identifier, e.Column})
		}
		p.table([]string{"entity", "identifier", "column"}, rows)
	}
	if len(r.ExplanationParts) > 0 {
		p.section("Explanation")
		p.explanation(r.ExplanationParts, "")
	} else if r.Explanation != "" {
		p.section("Explanation")
		p.line("%s", r.Explanation)
	}
	p.inline("Tables", r.Tables)
	p.inline("Keywords", r.Keywords)
	p.inline("Operators", r.Operators)
	p.inline("Functions", r.Functions)
	p.list("Data connectors", r.DataConnectors)
	p.list("False positives", r.FalsePositives)
	p.refs("Near-duplicates", r.NearDuplicates, false)
	if len(r.Diagnostics) > 0 {
		p.section("Diagnostics")
		for _, d := range r.Diagnostics {
			p.line("  %s:%d:%d: %s: %s", d.Path, d.Line, d.Col, d.Severity, d.Message)
		}
	}
}

// explanation prints the parts of an explanation: a sentence a line, the
// items of an and/or one a line under it, indented.
func (p *pageWriter) explanation(ps []rule.ExplainPart, indent string) {
	const maxDepth = 12
	for _, x := range ps {
		head := x.Text
		if x.Label != "" {
			if head != "" && len(x.Items) == 0 {
				head = x.Label + ": " + head
			} else {
				head = strings.TrimSpace(head + " " + x.Label + ",")
			}
		}
		if w := lower.OpWords(x.Op); len(x.Items) > 0 && w != "" {
			head = strings.TrimSpace(head + " " + w + ":")
		}
		bullet := ""
		if indent != "" {
			bullet = "• "
		}
		p.line("%s%s%s", indent, bullet, head)
		if len(x.Items) > 0 && len(indent) < 2*maxDepth {
			p.explanation(x.Items, indent+"  ")
		}
	}
}

// kindLabel names a predicate's or indicator's kind as a user reads it:
// "eq (case-insensitive)", "not has", "has_all".
func kindLabel(kind string, cs, neg, all bool) string {
	s := kind
	if neg {
		s = "not " + s
	}
	if all && kind != rule.OpHasAll {
		s += " (all)"
	}
	switch kind {
	case rule.OpEq, rule.OpNe, rule.OpContains, rule.OpStartsWith, rule.OpEndsWith, rule.OpHas, rule.OpHasAny, rule.OpHasAll, rule.OpIn:
		if cs {
			s += " (case-sensitive)"
		} else {
			s += " (case-insensitive)"
		}
	}
	return s
}

func indicatorValues(in rule.Indicator) string {
	counts := map[string]rule.CorpusCount{}
	for _, c := range in.Corpus {
		counts[c.Value] = c
	}
	var vs []string
	for _, v := range in.Values {
		s := strconv.Quote(v)
		if c, ok := counts[v]; ok {
			s += fmt.Sprintf(" [%d other rules]", c.Total)
		}
		vs = append(vs, s)
	}
	return strings.Join(vs, ", ")
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func joinNonEmpty(sep string, ss ...string) string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

type pageWriter struct{ w io.Writer }

func (p *pageWriter) line(format string, a ...any) { fmt.Fprintf(p.w, format+"\n", a...) }

func (p *pageWriter) section(title string) {
	p.line("")
	p.line("## %s", title)
}

func (p *pageWriter) field(name, value string) {
	if value != "" {
		p.line("%-12s %s", name+":", value)
	}
}

func (p *pageWriter) list(title string, items []string) {
	if len(items) == 0 {
		return
	}
	p.section(title)
	for _, it := range items {
		p.line("  - %s", it)
	}
}

func (p *pageWriter) inline(title string, items []string) {
	if len(items) == 0 {
		return
	}
	p.section(title)
	p.line("  %s", strings.Join(items, ", "))
}

func (p *pageWriter) refs(title string, refs []rule.RuleRef, actions bool) {
	if len(refs) == 0 {
		return
	}
	p.section(title)
	var rows [][]string
	for _, r := range refs {
		row := []string{r.Platform, r.ID, r.Title}
		if actions {
			row = append(row, strings.Join(r.Actions, ", "))
		}
		rows = append(rows, row)
	}
	head := []string{"platform", "id", "title"}
	if actions {
		head = append(head, "shared actions")
	}
	p.table(head, rows)
}

// behaviour prints the rules of any platform that detect the same
// behaviour (catalog.SameBehaviour), ranked, each with the canonical
// indicators it shares with r, and r's canonical indicators with their
// corpus counts by platform. Every cell is one line of rule text, so it
// goes through termLine: a newline in a title does not split the table.
func (p *pageWriter) behaviour(r *rule.Rule) {
	if len(r.SameBehaviour) == 0 && len(r.Canonical) == 0 {
		return
	}
	p.section("Rules detecting the same behaviour")
	if len(r.SameBehaviour) == 0 {
		p.line("  (no other rule shares an indicator of this rule rare enough to say it detects the same behaviour)")
	} else {
		var rows [][]string
		for _, b := range r.SameBehaviour {
			title := b.Title
			if title == "" {
				title = b.Path
			}
			shared := make([]string, len(b.Shared))
			for i, s := range b.Shared {
				shared[i] = termLine(s)
			}
			rows = append(rows, []string{termLine(b.Platform), termLine(b.ID), strconv.Itoa(b.Score) + "%",
				oneLine(termLine(title), 80), strings.Join(shared, "; ")})
		}
		p.table([]string{"platform", "id", "alike", "title", "shared canonical indicators"}, rows)
	}
	if len(r.Canonical) > 0 {
		p.line("")
		p.line("  Canonical indicators (common vocabulary, ECS names):")
		var rows [][]string
		for _, c := range r.Canonical {
			ps := make([]string, 0, len(c.ByPlatform))
			for pl, n := range c.ByPlatform {
				ps = append(ps, termLine(pl)+" "+strconv.Itoa(n))
			}
			slices.Sort(ps)
			from := make([]string, len(c.From))
			for i, f := range c.From {
				from[i] = termLine(f)
			}
			rows = append(rows, []string{termLine(c.Field), termLine(c.Kind), strconv.Quote(c.Value),
				strconv.Itoa(c.Total), strings.Join(ps, ", "), strings.Join(from, "; ")})
		}
		p.table([]string{"field", "kind", "value", "other rules", "by platform", "as the rule writes it"}, rows)
	}
}

func (p *pageWriter) stages(ss []rule.Stage, indent string) {
	for _, s := range ss {
		head := fmt.Sprintf("%s%d. %s", indent, s.N, s.Kind)
		if s.Source != "" && s.Kind != "source" {
			head += " ← " + s.Source
		}
		if s.TimeWindow != "" {
			head += " [time window " + s.TimeWindow + "]"
		}
		p.line("%s", head)
		p.line("%s     %s", indent, oneLine(s.Text, 110))
		for _, pr := range s.Predicates {
			vals := make([]string, len(pr.Values))
			for i, v := range pr.Values {
				vals[i] = strconv.Quote(v)
			}
			field := pr.Field
			if field == "" {
				field = "(any field)"
			}
			p.line("%s     • %s %s %s", indent, field, kindLabel(pr.Kind, pr.CaseSensitive, pr.Negated, pr.All), strings.Join(vals, ", "))
		}
		if len(s.Stages) > 0 {
			p.stages(s.Stages, indent+"     ")
		}
	}
}

// table prints rows under a header with columns padded to their widest cell.
func (p *pageWriter) table(head []string, rows [][]string) {
	width := make([]int, len(head))
	for i, h := range head {
		width[i] = len([]rune(h))
	}
	for _, r := range rows {
		for i := range r {
			if i < len(width) {
				width[i] = max(width[i], min(len([]rune(r[i])), 80))
			}
		}
	}
	row := func(cells []string) {
		var b strings.Builder
		b.WriteString(" ")
		for i, c := range cells {
			if i >= len(width) {
				break
			}
			b.WriteString(" ")
			if i == len(cells)-1 {
				b.WriteString(c)
			} else {
				b.WriteString(c + strings.Repeat(" ", max(width[i]-len([]rune(c)), 0)))
				b.WriteString("  ")
			}
		}
		p.line("%s", strings.TrimRight(b.String(), " "))
	}
	row(head)
	seps := make([]string, len(head))
	for i := range head {
		seps[i] = strings.Repeat("-", width[i])
	}
	row(seps)
	for _, r := range rows {
		row(r)
	}
}
