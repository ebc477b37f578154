package lowerkql

import (
	"fmt"
	pathpkg "path"
	"regexp"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The KQL markdown format: .md files holding KQL in fenced code blocks.
// Three layouts are read:
//   - Bert-JanP / HybridBrothers: a `#` title, a MITRE table (Technique ID |
//     Title | Link), Description, Risk, Author and References sections, then
//     one code block per product under headings such as "## Defender XDR" and
//     "## Sentinel". Each block is a rule variant; none is dropped.
//   - Microsoft 365 Defender hunting queries: a `#` title and description, a
//     `## Query` block, a tactics table with checkmarks, Contributor info.
//   - FalconFriday: `**Language:** Kusto` and `**Platform:**` lines before
//     the block, an "ATT&CK Tags" section with `**Tactic:**`/`**Technique:**`.
//
// A block is KQL when its info string says kql or kusto, when a
// `**Language:** Kusto` line precedes it in its section, or when it has no
// info string and sits under a product or query heading or reads as KQL.
func matchMarkdown(f *lang.File) bool {
	switch f.Ext() {
	case "md", "markdown":
	default:
		return false
	}
	doc := scanMarkdown(f.Data)
	for _, b := range doc.blocks {
		if b.kql {
			return true
		}
	}
	return false
}

// mdSection is the text under one heading, up to the next heading.
type mdSection struct {
	level int    // 1..6; 0 for the text before the first heading
	title string // the heading's text, cleaned of emphasis
	line  int
	body  []mdLine     // lines outside code blocks
	path  []*mdSection // the enclosing sections, outermost first, this one last
}

type mdLine struct {
	text string
	n    int // 1-based line number
}

// mdBlock is one fenced code block.
type mdBlock struct {
	info      string
	fenceLine int
	lines     []mdLine
	closed    bool
	section   *mdSection
	kql       bool
	head      string // KQL written on the fence line itself ("```KQLDeviceEvents")
	platform  string // a FalconFriday **Platform:** before the block
	langState string // a FalconFriday **Language:** before the block
	unfenced  bool   // a query section's text, with no fence around it
}

type mdDoc struct {
	sections []*mdSection
	blocks   []*mdBlock
	title    *mdSection // the first level-1 heading, else the first heading
}

var (
	atxRE     = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$`)
	languageR = regexp.MustCompile(`(?i)^\W*\**language:?\**:?\s*(.*?)\**\s*$`)
	platformR = regexp.MustCompile(`(?i)^\W*\**platform:?\**:?\s*(.*?)\**\s*$`)
)

// scanMarkdown splits markdown into sections and fenced code blocks, line
// by line (CommonMark's ATX headings and fences; setext headings are read
// as text).
func scanMarkdown(data []byte) *mdDoc {
	lines := strings.Split(string(data), "\n")
	doc := &mdDoc{}
	sec := &mdSection{}
	doc.sections = append(doc.sections, sec)
	var stack []*mdSection
	lang, platform := "", ""
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r")
		trim := strings.TrimLeft(l, " \t")
		indent := len(l) - len(trim)
		if fc, n := fenceOpen(trim); n > 0 {
			info := strings.TrimSpace(trim[n:])
			if fc == '`' && strings.Contains(info, "`") {
				// Not a fence: inline code that starts a line.
				sec.body = append(sec.body, mdLine{l, i + 1})
				continue
			}
			b := &mdBlock{info: info, fenceLine: i + 1, section: sec, langState: lang, platform: platform}
			for i++; i < len(lines); i++ {
				cl := strings.TrimRight(lines[i], "\r")
				ct := strings.TrimLeft(cl, " \t")
				if c2, n2 := fenceOpen(ct); n2 >= n && c2 == fc && strings.TrimSpace(ct[n2:]) == "" {
					b.closed = true
					break
				}
				// Strip up to the fence's own indentation.
				k := 0
				for k < indent && k < len(cl) && (cl[k] == ' ' || cl[k] == '\t') {
					k++
				}
				b.lines = append(b.lines, mdLine{cl[k:], i + 1})
			}
			doc.blocks = append(doc.blocks, b)
			lang, platform = "", ""
			continue
		}
		if m := atxMatch(l); m != nil && indent <= 3 {
			level := len(m[1])
			for len(stack) > 0 && stack[len(stack)-1].level >= level {
				stack = stack[:len(stack)-1]
			}
			sec = &mdSection{level: level, title: cleanInline(m[2]), line: i + 1}
			sec.path = append(append(sec.path, stack...), sec)
			stack = append(stack, sec)
			doc.sections = append(doc.sections, sec)
			lang, platform = "", ""
			continue
		}
		if m := matchWord(trim, "language", languageR); m != nil { // matchWord asks containsFold first
			lang = strings.ToLower(cleanInline(m[1]))
		} else if m := matchWord(trim, "platform", platformR); m != nil {
			platform = cleanInline(m[1])
		}
		sec.body = append(sec.body, mdLine{l, i + 1})
	}
	for _, s := range doc.sections {
		if s.level == 1 {
			doc.title = s
			break
		}
		if s.level > 0 && doc.title == nil {
			doc.title = s
		}
	}
	for _, b := range doc.blocks {
		b.kql = isKQLBlock(doc, b)
	}
	unfencedQueries(doc)
	return doc
}

// unfencedQueries adds, for a "Query" section that holds no KQL block but
// whose text reads as KQL (a query pasted without a fence), that text as a
// block.
func unfencedQueries(doc *mdDoc) {
	var added bool
	for _, s := range doc.sections {
		t := strings.ToLower(s.title)
		if t != "query" && t != "queries" && t != "kql" && t != "kusto" {
			continue
		}
		has := false
		for _, b := range doc.blocks {
			if b.section == s && b.kql {
				has = true
			}
		}
		lines := s.body
		for len(lines) > 0 && strings.TrimSpace(lines[0].text) == "" {
			lines = lines[1:]
		}
		for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1].text) == "" {
			lines = lines[:len(lines)-1]
		}
		if has || len(lines) == 0 || !looksLikeKQL(lines) {
			continue
		}
		doc.blocks = append(doc.blocks, &mdBlock{fenceLine: lines[0].n - 1, lines: lines, closed: true, section: s, kql: true, unfenced: true})
		added = true
	}
	if added {
		sort.SliceStable(doc.blocks, func(i, j int) bool { return doc.blocks[i].fenceLine < doc.blocks[j].fenceLine })
	}
}

// fenceOpen returns the fence character and length when s opens a fence.
func fenceOpen(s string) (byte, int) {
	if len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return 0, 0
	}
	n := 0
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < 3 {
		return 0, 0
	}
	return s[0], n
}

var (
	kqlInfoRE      = regexp.MustCompile(`(?i)^(kql|kusto|csl)([A-Za-z_]\w*)?$`)
	productHeadRE  = regexp.MustCompile(`(?i)\b(defender|sentinel|advanced hunting|log analytics|m365|mde|mdi|mdo|mdca|microsoft 365|azure data explorer|adx|query|queries|kql|kusto|detection)\b`)
	kqlStartRE     = regexp.MustCompile(`^(?i:let|union|search|print|datatable|range|externaldata|evaluate|find|set|declare)\b|^\.(create|alter|create-or-alter)\b|^[A-Za-z_][\w]*\s*(\||$)|^\(`)
	techniqueIDRE  = regexp.MustCompile(`\b[Tt](\d{4})(?:[./](\d{3}))?\b`)
	linkTargetRE   = regexp.MustCompile(`\]\(([^)\s]+)`)
	bareURLRE      = regexp.MustCompile(`https?://[^\s<>()\[\]|*"']+`)
	nameLabelRE    = regexp.MustCompile(`(?i)^\W*\**\s*(name|contributor|author)s?\s*:?\s*\**\s*:?\s*(.+)$`)
	detectionRuleR = regexp.MustCompile(`(?i)\bdetection rules?\b|\bcustom detection\b|\banalytics? rule\b`)
)

// atxMatch is atxRE's submatches of l, asked only of a line that can be a
// heading (up to three spaces, then #): most lines are not, and the
// expression was a tenth of reading a Markdown file.
func atxMatch(l string) []string {
	j := len(l) - len(strings.TrimLeft(l, " "))
	if j > 3 || j == len(l) || l[j] != '#' {
		return nil
	}
	return atxRE.FindStringSubmatch(l)
}

// matchWord is re's submatches of s, asked only when s holds word
// (containsFold), a word re writes case-insensitively.
func matchWord(s, word string, re *regexp.Regexp) []string {
	if !containsFold(s, word) {
		return nil
	}
	return re.FindStringSubmatch(s)
}

// namesDetectionRule tells whether s says the query is a detection rule
// (detectionRuleR), asking the expression only of a text that holds one
// of its words.
func namesDetectionRule(s string) bool {
	return (containsFold(s, "detection") || containsFold(s, "analytic")) && detectionRuleR.MatchString(s)
}

// containsFold tells whether s holds word, an ASCII lower-case word, in any
// case: what a case-insensitive regular expression (?i) that writes the
// word must find, when the word has no letter whose case folding takes in
// a rune outside ASCII (k: the Kelvin sign; s: the long s). Such an
// expression reads its text slowly, with no literal to look for first;
// this test comes first, and most descriptions fail it.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if s[i]|0x20 == word[0] && strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

// isKQLBlock tells whether a code block holds a KQL query.
func isKQLBlock(doc *mdDoc, b *mdBlock) bool {
	body := false
	for _, l := range b.lines {
		if strings.TrimSpace(l.text) != "" {
			body = true
			break
		}
	}
	info := strings.Fields(b.info)
	if b.langState != "" {
		if strings.Contains(b.langState, "kusto") || strings.Contains(b.langState, "kql") {
			return body
		}
		return false
	}
	if len(info) > 0 {
		m := kqlInfoRE.FindStringSubmatch(info[0])
		if m == nil {
			return false
		}
		if m[2] != "" {
			b.head = info[0][len(m[1]):] // "```KQLAADSignInEventsBeta": the table is on the fence line
			return true
		}
		return body
	}
	if !body {
		return false
	}
	if looksLikeKQL(b.lines) {
		return true
	}
	for _, s := range b.section.path {
		if s != doc.title && productHeadRE.MatchString(s.title) && !isMetaSection(s.title) {
			return true
		}
	}
	return false
}

// looksLikeKQL tells whether lines read as a KQL query: a piped line, or a
// first statement that starts as KQL does.
func looksLikeKQL(lines []mdLine) bool {
	first := ""
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		if strings.HasPrefix(t, "|") {
			return true
		}
		if first == "" {
			first = t
		}
	}
	if first == "" {
		return false
	}
	return kqlStartRE.MatchString(first) && !strings.ContainsAny(strings.Fields(first)[0], `\/:`) && len(strings.Fields(first)) > 0 &&
		(strings.Contains(first, "|") || strings.HasPrefix(strings.ToLower(first), "let ") || first[0] == '.' || len(lines) > 1 || len(strings.Fields(first)) == 1)
}

func isMetaSection(title string) bool {
	t := strings.ToLower(title)
	for _, w := range []string{"description", "risk", "reference", "author", "contributor", "mitre", "att&ck", "see also", "category", "information"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// inlineMarks drops Markdown's emphasis and code marks.
var inlineMarks = strings.NewReplacer("**", "", "__", "", "`", "")

// cleanInline drops emphasis, code marks and link syntax from a line of text.
func cleanInline(s string) string {
	s = strings.TrimSpace(s)
	s = mdLinkRE.ReplaceAllString(s, "$1")
	s = inlineMarks.Replace(s)
	s = strings.Trim(s, "*_ \t")
	return strings.TrimSpace(s)
}

var mdLinkRE = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)

// productOf names the product of a heading or platform line, as the rule's
// variant and product.
func productOf(s string) (variant, product string) {
	t := strings.ToLower(s)
	switch {
	case strings.Contains(t, "sentinel") || strings.Contains(t, "log analytics"):
		return "sentinel", "sentinel"
	case strings.Contains(t, "defender") || strings.Contains(t, "advanced hunting") || strings.Contains(t, "m365") ||
		strings.Contains(t, "microsoft 365") || strings.Contains(t, "mde") || strings.Contains(t, "xdr"):
		return "defender-xdr", "defender_xdr"
	case strings.Contains(t, "data explorer") || t == "adx":
		return "adx", "adx"
	}
	return "", ""
}

func readMarkdown(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	doc := scanMarkdown(f.Data)
	meta := markdownMeta(f.Path, doc)
	var items []lang.Item
	var kqlBlocks []*mdBlock
	for _, b := range doc.blocks {
		if b.kql {
			kqlBlocks = append(kqlBlocks, b)
		}
	}
	usedVariant := map[string]int{}
	for n, b := range kqlBlocks {
		r := meta.clone()
		r.Source.Path = f.Path
		// The query: the block's lines, leading blank lines dropped, trailing white space trimmed.
		lines := b.lines
		if b.head != "" {
			lines = append([]mdLine{{b.head, b.fenceLine}}, lines...)
			r.AddDiagnostic(rule.SevWarning, b.fenceLine, 4+len(b.info)-len(b.head),
				fmt.Sprintf("the code block's language %q runs into the query; read %q as its first line", b.info, b.head))
		}
		for len(lines) > 0 && strings.TrimSpace(lines[0].text) == "" {
			lines = lines[1:]
		}
		var sb strings.Builder
		for i, l := range lines {
			if i > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(l.text)
		}
		r.Query = strings.TrimRight(sb.String(), " \t\r\n")
		if len(lines) > 0 {
			r.QueryLine = lines[0].n
		} else {
			r.QueryLine = b.fenceLine + 1
		}
		r.Source.Line = r.QueryLine
		if b.unfenced {
			r.AddDiagnostic(rule.SevInfo, r.QueryLine, 1, "the query is not in a code block; read the text of its section as the query")
		}
		if !b.closed {
			r.AddDiagnostic(rule.SevWarning, b.fenceLine, 1, "code block not closed; the query runs to the end of the file")
		}
		// Variant and product: the nearest product heading, or the block's platform line.
		variant, product := "", ""
		if b.platform != "" {
			variant, product = productOf(b.platform)
		}
		for i := len(b.section.path) - 1; i >= 0 && variant == ""; i-- {
			if s := b.section.path[i]; s != doc.title { // the title names the rule, not a product
				variant, product = productOf(s.title)
			}
		}
		if product != "" {
			r.Product = product
		}
		if variant == "" && len(kqlBlocks) > 1 {
			if b.section.level > 1 && !isMetaSection(b.section.title) {
				variant = strings.ToLower(b.section.title)
			} else {
				variant = fmt.Sprintf("query-%d", n+1)
			}
		}
		if variant != "" {
			usedVariant[variant]++
			if k := usedVariant[variant]; k > 1 {
				variant = fmt.Sprintf("%s-%d", variant, k)
			}
			r.Variant = variant
		}
		if isFunctionQuery(r.Query) {
			r.Kind = rule.KindFunction
		}
		if pieces := splitBlock(r.Query); pieces != nil && r.Kind != rule.KindFunction {
			// several queries in one block: a rule each
			for k, pc := range pieces {
				q := cloneRule(r)
				q.Query, q.QueryLine = pc.text, r.QueryLine+pc.line-1
				q.Source.Line = q.QueryLine
				v := fmt.Sprintf("query-%d", k+1)
				if r.Variant != "" {
					v = r.Variant + "-" + v
				}
				q.Variant = v
				items = append(items, lang.Item{Rule: q})
			}
			continue
		}
		items = append(items, lang.Item{Rule: r})
	}
	if len(items) == 0 {
		return nil, []rule.Diagnostic{{Path: f.Path, Line: 1, Col: 1, Severity: rule.SevWarning, Message: "no KQL code block with a query in this markdown file"}}
	}
	return items, nil
}

// cloneRule copies the metadata of a rule for another variant.
func cloneRule(r *rule.Rule) *rule.Rule {
	c := *r
	c.Authors = append([]string(nil), r.Authors...)
	c.References = append([]string(nil), r.References...)
	c.Tags = append([]string(nil), r.Tags...)
	c.Techniques = append([]rule.Technique(nil), r.Techniques...)
	c.Tactics = append([]string(nil), r.Tactics...)
	c.Diagnostics = append([]rule.Diagnostic(nil), r.Diagnostics...)
	if r.Settings != nil {
		c.Settings = make(map[string]string, len(r.Settings))
		for k, v := range r.Settings {
			c.Settings[k] = v
		}
	}
	return &c
}

type mdMeta struct{ r *rule.Rule }

func (m mdMeta) clone() *rule.Rule { return cloneRule(m.r) }

// markdownMeta reads what the file states about its rules: title,
// description, risk, authors, references, ATT&CK techniques and tactics,
// and whether it says it is a detection rule.
func markdownMeta(path string, doc *mdDoc) mdMeta {
	r := &rule.Rule{Platform: "kusto", Language: "kql", Format: "kql_markdown", Kind: rule.KindHunting}
	r.Source.Path = path
	first := doc.title
	if first != nil {
		r.Title = strings.TrimSpace(strings.TrimPrefix(first.title, "Function:"))
		if strings.HasPrefix(strings.ToLower(first.title), "function") {
			r.Kind = rule.KindFunction
		}
	}
	if r.Title == "" {
		r.Title = fileTitle(path)
	}
	seenTech := map[string]bool{}
	addTech := func(stated string) {
		m := techniqueIDRE.FindStringSubmatch(stated)
		if m == nil {
			return
		}
		id := "T" + m[1]
		if m[2] != "" {
			id += "." + m[2]
		}
		if !seenTech[id] {
			seenTech[id] = true
			r.Techniques = append(r.Techniques, rule.Technique{ID: id, StatedAs: strings.TrimSpace(m[0])})
		}
	}
	addTactic := func(t string) {
		t = strings.TrimSpace(t)
		for _, x := range r.Tactics {
			if strings.EqualFold(x, t) {
				return
			}
		}
		if t != "" {
			r.Tactics = append(r.Tactics, t)
		}
	}
	var desc []string
	for _, s := range doc.sections {
		t := strings.ToLower(s.title)
		text := paragraphs(s.body)
		switch {
		case s == first && s.level == 1:
			// The Microsoft 365 layout describes the query right under its title.
			if text != "" {
				desc = append(desc, text)
			}
		case strings.Contains(t, "description"):
			if text != "" {
				desc = append(desc, text)
			}
		case keptSection(t):
			// the author's own prose beside the description, kept as a
			// section of the rule under its heading
			if text != "" {
				r.Sections = append(r.Sections, rule.Section{Title: s.title, Text: text})
			}
		case strings.HasPrefix(t, "author") || strings.HasPrefix(t, "contributor"):
			for _, l := range s.body {
				if m := nameLabelRE.FindStringSubmatch(strings.TrimSpace(l.text)); m != nil {
					for _, a := range lower.SplitAuthors(cleanInline(m[2])) {
						r.Authors = appendOnce(r.Authors, a)
					}
				} else if label, v, ok := strings.Cut(cleanInline(strings.TrimLeft(strings.TrimSpace(l.text), "-*+ ")), ":"); ok && v != "" && !strings.Contains(label, "//") {
					setSetting(r, "author."+strings.ToLower(strings.TrimSpace(label)), strings.TrimSpace(v))
				}
			}
		case strings.HasPrefix(t, "reference"):
			for _, l := range s.body {
				for _, u := range linkTargets(l.text) {
					r.References = appendOnce(r.References, u)
				}
			}
		}
		mitre := strings.Contains(t, "mitre") || strings.Contains(t, "att&ck") || strings.Contains(t, "attack")
		for _, l := range s.body {
			lt := strings.TrimSpace(l.text)
			// "**Author:** name" in any section (FalconFriday's hunt tags)
			if m := boldAuthorRE.FindStringSubmatch(lt); m != nil {
				for _, a := range lower.SplitAuthors(cleanInline(m[1])) {
					r.Authors = appendOnce(r.Authors, a)
				}
			}
			// a link to ATT&CK's page of a technique states it, in any section
			for _, m := range attackLinkRE.FindAllStringSubmatch(lt, -1) {
				if m[2] != "" {
					addTech(m[1] + "." + m[2])
				} else {
					addTech(m[1])
				}
			}
			if mitre {
				for _, m := range techniqueIDRE.FindAllString(lt, -1) {
					addTech(m)
				}
				if label, v, ok := strings.Cut(cleanInline(lt), ":"); ok && strings.EqualFold(strings.TrimSpace(label), "tactic") {
					for _, x := range strings.Split(v, ",") {
						addTactic(x)
					}
				}
			}
		}
		readTables(s.body, addTech, addTactic, r)
	}
	r.Description = strings.Join(desc, "\n\n")
	if r.Kind != rule.KindFunction && (namesDetectionRule(r.Title) || namesDetectionRule(r.Description)) {
		r.Kind = rule.KindDetection
	}
	return mdMeta{r}
}

// keptSection tells whether a heading (lower case) is one of the prose
// sections a rule keeps as written: Risk, Notes, False positives, and the
// like.
func keptSection(t string) bool {
	t = strings.TrimSpace(strings.TrimSuffix(t, ":"))
	for _, w := range []string{"risk", "note", "notes", "false positive", "false positives", "known false positives",
		"triage", "investigation", "remediation", "response", "recommendation", "recommendations", "mitigation",
		"tuning", "limitations", "known issues", "prerequisites", "requirements"} {
		if t == w || strings.HasPrefix(t, w+" ") {
			return true
		}
	}
	return false
}

// fileTitle makes a title of a file's name: its base name without the extension.
func fileTitle(p string) string {
	base := pathpkg.Base(p)
	if t := strings.TrimSpace(strings.TrimSuffix(base, pathpkg.Ext(base))); t != "" {
		return t
	}
	return base
}

// paragraphs joins the text lines of a section, one blank line between paragraphs.
func paragraphs(lines []mdLine) string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			flush()
			continue
		}
		if strings.HasPrefix(t, "|") {
			continue // tables are read apart
		}
		cur = append(cur, t)
	}
	flush()
	return strings.TrimSpace(strings.Join(out, "\n\n"))
}

// linkTargets returns the URLs of a line: markdown link targets and bare URLs.
func linkTargets(s string) []string {
	var out []string
	for _, m := range linkTargetRE.FindAllStringSubmatch(s, -1) {
		if strings.HasPrefix(m[1], "http://") || strings.HasPrefix(m[1], "https://") {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		for _, u := range bareURLRE.FindAllString(s, -1) {
			out = append(out, strings.TrimRight(u, ".,;"))
		}
	}
	return out
}

// m365Tactics are the tactic rows of the Microsoft 365 Defender category table.
var m365Tactics = map[string]bool{
	"initial access": true, "execution": true, "persistence": true, "privilege escalation": true,
	"defense evasion": true, "credential access": true, "discovery": true, "lateral movement": true,
	"collection": true, "command and control": true, "exfiltration": true, "impact": true,
	"reconnaissance": true, "resource development": true,
}

// readTables reads the MITRE tables of a section: rows whose first cell is a
// technique id (Technique ID | Title | Link), and checkmark tables (Technique,
// tactic, or state | Covered?) whose ticked rows are tactics or tags.
// boldAuthorRE matches a bold author label line: **Author:** name.
var boldAuthorRE = regexp.MustCompile(`(?i)^\*\*(?:authors?|created by)\s*:?\*\*\s*:?\s*(.+)$`)

// attackLinkRE matches a link to a technique's page on attack.mitre.org.
var attackLinkRE = regexp.MustCompile(`attack\.mitre\.org/techniques/(T\d{4})(?:/(\d{3}))?`)

func readTables(lines []mdLine, addTech func(string), addTactic func(string), r *rule.Rule) {
	var header []string
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if !strings.HasPrefix(t, "|") {
			header = nil
			continue
		}
		cells := splitRow(t)
		if header == nil {
			header = cells
			continue
		}
		if isSeparatorRow(cells) || len(cells) == 0 {
			continue
		}
		h0 := strings.ToLower(header[0])
		switch {
		case strings.Contains(h0, "technique") && len(header) > 1 && strings.Contains(strings.ToLower(header[1]), "covered"):
			if len(cells) > 1 && isTick(cells[1]) {
				name := strings.ToLower(cleanInline(cells[0]))
				if m365Tactics[name] {
					addTactic(cleanInline(cells[0]))
				} else if techniqueIDRE.MatchString(cells[0]) {
					addTech(cells[0])
				} else if name != "" {
					r.Tags = appendOnce(r.Tags, name)
				}
			}
		case strings.Contains(h0, "technique") || strings.Contains(h0, "mitre") || strings.Contains(h0, "att&ck"):
			if m := techniqueIDRE.FindString(cells[0]); m != "" {
				addTech(m)
			}
		}
	}
}

func splitRow(t string) []string {
	t = strings.TrimSpace(t)
	t = strings.TrimPrefix(t, "|")
	t = strings.TrimSuffix(t, "|")
	parts := strings.Split(t, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func isSeparatorRow(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

func isTick(s string) bool {
	switch strings.ToLower(strings.TrimSpace(cleanInline(s))) {
	case "v", "x", "yes", "y", "✓", "✔", "✅", "☑":
		return true
	}
	return false
}

// isFunctionQuery tells whether a query defines a saved function
// (.create function, .create-or-alter function).
func isFunctionQuery(q string) bool {
	for _, l := range strings.Split(q, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		t = strings.ToLower(t)
		return strings.HasPrefix(t, ".create") && strings.Contains(t, "function") || strings.HasPrefix(t, ".alter function")
	}
	return false
}
