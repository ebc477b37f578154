package lowerkql

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/kql"
	"github.com/ruledex/ruledex/internal/lower"

	"github.com/ruledex/ruledex/internal/rule"
)

// The KQL text format: raw .kql (also .csl, .kusto) files, and .txt files
// whose content reads as KQL. A leading `//` comment block gives the title
// (its first line) and the description (the rest). A file may hold several
// queries separated by blank lines: a blank line ends a query unless the
// query is still open (inside brackets or a multi-line string, a last line
// that ends with a pipe, a comma, an operator or the `;` of a let or set
// statement) or the next code line continues it (starts with a pipe, a
// closing bracket or an operator). The comment block just before a query is
// its title and description. A `.create function` command, or a header that
// says to save the query as a function, makes the rule a function.
func matchKQLText(f *lang.File) bool {
	switch f.Ext() {
	case "kql", "csl", "kusto":
		return len(strings.TrimSpace(string(f.Data))) > 0
	case "txt":
		return txtLooksLikeKQL(f.Data)
	}
	return false
}

// txtLooksLikeKQL tells whether a .txt file holds KQL: after its comments,
// a statement that starts with let, or a line that starts with a pipe after
// a line that names a table.
func txtLooksLikeKQL(data []byte) bool {
	sawCode := false
	for _, l := range strings.Split(string(data), "\n") {
		t := trimKQLSpace(l)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		if !sawCode {
			if labelLineRE.MatchString(t) {
				continue
			}
			sawCode = true
			if kqlStatementRE.MatchString(t) {
				return true
			}
			if !kqlStartRE.MatchString(t) {
				return false
			}
			if strings.Contains(t, "|") {
				return true
			}
			continue
		}
		return strings.HasPrefix(t, "|")
	}
	return false
}

// kqlStatementRE matches the start of a KQL statement that is not a table
// name: let, set, declare, print, union, search, datatable, range...
var kqlStatementRE = regexp.MustCompile(`^(?i:let|set|declare|print|union|search|datatable|range|externaldata|evaluate|find)\s|^\.(create|alter|create-or-alter)\b`)

// trimKQLSpace trims white space, and the zero-width spaces and byte-order
// marks that pasted queries carry.
func trimKQLSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u200b' || r == '\ufeff' || r == '\u00a0'
	})
}

// kqlLine is one line of a KQL text file, classified.
type kqlLine struct {
	text    string
	n       int    // 1-based
	blank   bool   // only white space
	comment bool   // only a // comment
	code    string // the line without its comment, trimmed
	open    bool   // after this line, a bracket or multi-line string is still open
	label   bool   // a prose heading such as "Bar Chart:" (kept as a comment)
}

// labelLineRE matches a prose heading line of a notes file ("Pie Chart:").
var labelLineRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9 ()/&'-]{0,48}:$`)

// splitKQLLines classifies the lines of text, following brackets, strings
// and comments across lines.
func splitKQLLines(text string) []kqlLine {
	raw := strings.Split(text, "\n")
	out := make([]kqlLine, 0, len(raw))
	depth := 0
	inML := false // inside a ``` multi-line string
	for i, l := range raw {
		l = strings.TrimRight(l, "\r")
		kl := kqlLine{text: l, n: i + 1}
		var code strings.Builder
		j := 0
		for j < len(l) {
			c := l[j]
			if inML {
				if strings.HasPrefix(l[j:], "```") {
					inML = false
					code.WriteString("```")
					j += 3
					continue
				}
				code.WriteByte(c)
				j++
				continue
			}
			switch {
			case strings.HasPrefix(l[j:], "```"):
				inML = true
				code.WriteString("```")
				j += 3
				continue
			case c == '/' && j+1 < len(l) && l[j+1] == '/':
				j = len(l)
				continue
			case c == '\'' || c == '"' || ((c == '@' || c == 'h' || c == 'H') && j+1 < len(l) && (l[j+1] == '\'' || l[j+1] == '"')):
				// A string literal: runs to its closing quote on this line.
				start := j
				verbatim := c == '@'
				if c != '\'' && c != '"' {
					j++
				}
				q := l[j]
				j++
				for j < len(l) {
					if !verbatim && l[j] == '\\' {
						j += 2
						continue
					}
					if l[j] == q {
						if verbatim && j+1 < len(l) && l[j+1] == q {
							j += 2
							continue
						}
						j++
						break
					}
					j++
				}
				if j > len(l) {
					j = len(l)
				}
				code.WriteString(l[start:j])
				continue
			case c == '(' || c == '[' || c == '{':
				depth++
			case c == ')' || c == ']' || c == '}':
				if depth > 0 {
					depth--
				}
			}
			code.WriteByte(c)
			j++
		}
		kl.code = trimKQLSpace(code.String())
		t := trimKQLSpace(l)
		kl.blank = t == "" && !inML
		kl.comment = !kl.blank && kl.code == "" && strings.HasPrefix(t, "//")
		kl.open = depth > 0 || inML
		if !kl.open && labelLineRE.MatchString(kl.code) {
			// "Bar Chart:" in a notes file: a heading for the query below, not KQL
			kl.code, kl.comment, kl.label = "", true, true
		}
		out = append(out, kl)
	}
	return out
}

var (
	continuesRE = regexp.MustCompile(`(?i)(\||,|\(|\[|\{|=|\+|-|\*|/|<|>|!|:|;|~|\.\.|\b(and|or|not|by|on|with|in|kind|between|has|contains|startswith|endswith|matches regex)\b)$`)
	continuedRE = regexp.MustCompile(`(?i)^(\||\)|\]|\}|,|=|\+|\*|<|>|!|\b(and|or|by|on|with)\b)`)
)

// kqlQuery is one query of a file: its header comment lines and its lines.
type kqlQuery struct {
	header []kqlLine
	lines  []kqlLine
}

// splitKQLQueries splits a file's lines into queries (see the format's
// comment).
func splitKQLQueries(lines []kqlLine) []kqlQuery {
	// Chunks: runs of lines between blank lines outside any bracket.
	type chunk struct{ lines []kqlLine }
	var chunks []chunk
	var cur []kqlLine
	for i, l := range lines {
		if l.blank && (i == 0 || !lines[i-1].open) {
			if len(cur) > 0 {
				chunks = append(chunks, chunk{cur})
				cur = nil
			}
			continue
		}
		if l.label && len(cur) > 0 && cur[len(cur)-1].code != "" {
			chunks = append(chunks, chunk{cur}) // a heading starts the next query
			cur = nil
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		chunks = append(chunks, chunk{cur})
	}
	firstCode := func(ls []kqlLine) *kqlLine {
		for i := range ls {
			if ls[i].code != "" {
				return &ls[i]
			}
		}
		return nil
	}
	lastCode := func(ls []kqlLine) *kqlLine {
		for i := len(ls) - 1; i >= 0; i-- {
			if ls[i].code != "" {
				return &ls[i]
			}
		}
		return nil
	}
	var queries []kqlQuery
	var pending []kqlLine // comment lines waiting for the next query
	for _, c := range chunks {
		fc := firstCode(c.lines)
		if n := len(queries); n > 0 {
			q := &queries[n-1]
			lc := lastCode(q.lines)
			cont := lc != nil && (lc.open || continuesRE.MatchString(lc.code))
			if fc != nil && continuedRE.MatchString(fc.code) {
				cont = true
			}
			if cont && fc != nil {
				// The chunk continues the last query; the comments between belong to it.
				q.lines = append(q.lines, pending...)
				pending = nil
				q.lines = append(q.lines, c.lines...)
				continue
			}
		}
		if fc == nil {
			pending = append(pending, c.lines...)
			continue
		}
		var q kqlQuery
		q.header = pending
		pending = nil
		i := 0
		for i < len(c.lines) && c.lines[i].code == "" {
			i++
		}
		q.header = append(q.header, c.lines[:i]...)
		q.lines = c.lines[i:]
		queries = append(queries, q)
	}
	return queries
}

var (
	tagsLineRE      = regexp.MustCompile(`(?i)^tags?\s*:\s*(.+)$`)
	authorLineRE    = regexp.MustCompile(`(?i)^(?:author|authors|created by|contributor)\s*:?\s*(.+)$`)
	funcHeaderRE    = regexp.MustCompile(`(?i)\bsave(?:d)? (?:this |the |it )?(?:query )?as (?:a )?function\b|\bparser\b.*\bfunction\b|\bthis function\b`)
	productLineRE   = regexp.MustCompile(`(?i)^((?:microsoft |azure )?sentinel|advanced hunting|(?:microsoft 365 |m365 )?defender(?: xdr)?|log analytics)(?: version)?(?: quer(?:y|ies))?:?$`)
	connectorLineRE = regexp.MustCompile(`(?i)^data connectors? required for this query\s*[-:]\s*(.+)$`)
	mitreLineRE     = regexp.MustCompile(`(?i)mitre|att&ck|attack|technique|tactic`)
)

func readKQLText(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	lines := splitKQLLines(string(f.Data))
	queries := splitKQLQueries(lines)
	// A function definition is one rule, whatever blank lines it holds.
	whole := false
	for _, l := range lines {
		if l.code != "" {
			whole = isFunctionQuery(l.code)
			break
		}
	}
	if whole && len(queries) > 1 {
		q := queries[0]
		for _, o := range queries[1:] {
			q.lines = append(q.lines, o.header...)
			q.lines = append(q.lines, o.lines...)
		}
		queries = []kqlQuery{q}
	}
	if len(queries) == 0 {
		return nil, []rule.Diagnostic{{Path: f.Path, Line: 1, Col: 1, Severity: rule.SevWarning, Message: "no KQL query in this file (only comments)"}}
	}
	fileHeaderFunction := len(queries[0].header) > 0 && namesFunction(joinComments(queries[0].header))
	items := make([]lang.Item, 0, len(queries))
	product, firstTitle := "", ""
	usedVariant := map[string]int{}
	for i, q := range queries {
		r := &rule.Rule{Platform: "kusto", Language: "kql", Format: "kql_text", Kind: rule.KindHunting}
		r.Source.Path = f.Path
		// The query: from its first code line to its last line with code.
		end := len(q.lines)
		for end > 0 && q.lines[end-1].code == "" && !q.lines[end-1].comment {
			end--
		}
		var sb strings.Builder
		// The file's lines from the first to the last, blank ones between included.
		for k, l := range lines[q.lines[0].n-1 : q.lines[end-1].n] {
			if k > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(l.text)
		}
		r.Query = strings.TrimRight(sb.String(), " \t\r\n")
		r.QueryLine = q.lines[0].n
		r.Source.Line = r.QueryLine
		if last := q.lines[end-1]; last.open {
			r.AddDiagnostic(rule.SevWarning, last.n, 1, "the query ends inside an open bracket or string")
		}
		if p := readKQLHeader(r, q.header); p != "" {
			product = p // a "Sentinel query" / "Advanced Hunting query" line holds for the queries after it
		}
		if r.Title == "" {
			switch {
			case i == 0:
				r.Title = fileTitle(f.Path)
			case firstTitle != "":
				r.Title = firstTitle
			default:
				r.Title = fmt.Sprintf("%s (query %d)", fileTitle(f.Path), i+1)
			}
		}
		if i == 0 {
			firstTitle = r.Title
		}
		variant := ""
		if product != "" {
			r.Product = product
			variant = strings.ReplaceAll(product, "_", "-")
		}
		if len(queries) > 1 {
			if variant == "" {
				variant = fmt.Sprintf("query-%d", i+1)
			}
			usedVariant[variant]++
			if k := usedVariant[variant]; k > 1 {
				variant = fmt.Sprintf("%s-%d", variant, k)
			}
		}
		r.Variant = variant
		if isFunctionQuery(r.Query) || (fileHeaderFunction && i == 0) || (len(q.header) > 0 && namesFunction(joinComments(q.header))) {
			r.Kind = rule.KindFunction
		} else if namesDetectionRule(r.Title) || namesDetectionRule(r.Description) {
			r.Kind = rule.KindDetection
		}
		items = append(items, lang.Item{Rule: r})
	}
	return items, nil
}

// commentText returns a comment line's text without its slashes.
func commentText(l kqlLine) string {
	t := trimKQLSpace(l.text)
	t = strings.TrimLeft(t, "/")
	return strings.TrimSpace(t)
}

// namesFunction tells whether a comment says the query is saved as a
// function (funcHeaderRE), asking the expression only of a comment that
// holds its word (containsFold).
func namesFunction(s string) bool {
	return containsFold(s, "function") && funcHeaderRE.MatchString(s)
}

func joinComments(ls []kqlLine) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, commentText(l))
	}
	return strings.Join(parts, "\n")
}

// readKQLHeader reads a query's comment block: its first line is the title,
// the rest the description; Tags:, Author: and ATT&CK lines, and links,
// fill their fields.
func readKQLHeader(r *rule.Rule, header []kqlLine) (product string) {
	var desc []string
	seenTech := map[string]bool{}
	for _, l := range header {
		t := commentText(l)
		if t == "" {
			if len(desc) > 0 && desc[len(desc)-1] != "" {
				desc = append(desc, "")
			}
			continue
		}
		if m := productLineRE.FindStringSubmatch(t); m != nil {
			if _, p := productOf(m[1]); p != "" {
				product = p
			}
			continue
		}
		if m := connectorLineRE.FindStringSubmatch(t); m != nil {
			r.DataConnectors = appendOnce(r.DataConnectors, strings.TrimSpace(m[1]))
			continue
		}
		if r.Title == "" {
			title := strings.TrimSpace(strings.TrimLeft(t, "#-*= "))
			if strings.HasPrefix(strings.ToLower(title), "title:") {
				title = strings.TrimSpace(title[len("title:"):])
			}
			if strings.Trim(title, "-=*#_ ") != "" {
				r.Title = title
				continue
			}
		}
		if m := tagsLineRE.FindStringSubmatch(t); m != nil {
			for _, tag := range strings.FieldsFunc(m[1], func(c rune) bool { return c == ',' || c == ' ' || c == '\t' }) {
				if tag = strings.TrimLeft(tag, "#"); tag != "" {
					r.Tags = appendOnce(r.Tags, tag)
				}
			}
			continue
		}
		if m := authorLineRE.FindStringSubmatch(t); m != nil && len(m[1]) < 120 {
			for _, a := range lower.SplitAuthors(m[1]) {
				r.Authors = appendOnce(r.Authors, a)
			}
			continue
		}
		for _, u := range bareURLRE.FindAllString(t, -1) {
			r.References = appendOnce(r.References, strings.TrimRight(u, ".,;"))
		}
		if mitreLineRE.MatchString(t) || techniqueOnlyLine(t) {
			for _, m := range techniqueIDRE.FindAllStringSubmatch(t, -1) {
				id := "T" + m[1]
				if m[2] != "" {
					id += "." + m[2]
				}
				if !seenTech[id] {
					seenTech[id] = true
					r.Techniques = append(r.Techniques, rule.Technique{ID: id, StatedAs: m[0]})
				}
			}
		}
		desc = append(desc, t)
	}
	r.Description = strings.TrimSpace(strings.Join(desc, "\n"))
	return product
}

// techniqueOnlyLine tells whether a comment line holds only technique ids.
func techniqueOnlyLine(t string) bool {
	rest := techniqueIDRE.ReplaceAllString(t, "")
	return rest != t && strings.Trim(rest, " ,;|-") == ""
}

// queryPiece is one query of a text that holds several: its text and the
// 1-based line, in the text, of its first line.
type queryPiece struct {
	text string
	line int
}

// splitQueryText splits a KQL text into its queries the way kql_text
// splits a file; a text with one query gives one piece.
func splitQueryText(text string) []queryPiece {
	lines := splitKQLLines(text)
	var out []queryPiece
	for _, q := range splitKQLQueries(lines) {
		end := len(q.lines)
		for end > 0 && q.lines[end-1].code == "" && !q.lines[end-1].comment {
			end--
		}
		if end == 0 {
			continue
		}
		var sb strings.Builder
		for k, l := range lines[q.lines[0].n-1 : q.lines[end-1].n] {
			if k > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(l.text)
		}
		out = append(out, queryPiece{strings.TrimRight(sb.String(), " \t\r\n"), q.lines[0].n})
	}
	return out
}

// splitBlock returns the queries of a code block that holds several with
// no ';' between them (blank lines apart, as Microsoft's hunting queries
// sometimes do): only when the block as a whole has syntax errors and every
// piece has none, so that a query with blank lines inside stays whole.
func splitBlock(query string) []queryPiece {
	if _, errs := kql.ParseString(query); errs == nil {
		return nil
	}
	pieces := splitQueryText(query)
	if len(pieces) < 2 {
		return nil
	}
	for _, p := range pieces {
		if _, errs := kql.ParseString(p.text); errs != nil {
			return nil
		}
	}
	return pieces
}
