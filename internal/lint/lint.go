// Package lint holds ruledex's checks of detection rules: what is wrong
// with a rule that the model (rule.Rule) or the corpus shows. A check has an
// id, a severity, a one-line message, a help text and the languages it
// applies to (none: any). The checks that read only the model, or the whole
// corpus, are this package's; a check that holds for one language only is
// registered by that language's lowering (internal/lower/<x>) with
// Register, since nothing outside a language's folders names it.
//
// A finding says which check, how severe, what, and where (path, line,
// column in Unicode characters), with a fingerprint that survives unrelated
// edits: a hash of the check id, the rule id and the text the finding
// points at, never its line.
//
// A check is disabled for one rule by `ruledex:disable=CHECK[,CHECK]` in
// the rule's text (a comment in any language that has them), or by what
// the rule's language reads (RegisterDisables: a Sigma custom field), and
// for a repository by ruledex.yaml's `lint: disable:`.
package lint

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/rule"
)

// Severities of a check, as SARIF names its levels.
const (
	Error   = "error"
	Warning = "warning"
	Note    = "note"
)

// SeverityRank orders severities: note 1, warning 2, error 3; 0 for an unknown one.
func SeverityRank(s string) int {
	switch s {
	case Note:
		return 1
	case Warning:
		return 2
	case Error:
		return 3
	}
	return 0
}

// HelpBase is where each check's help page is: HelpBase + "#" + id.
const HelpBase = "https://github.com/ruledex/ruledex/blob/main/README.md"

// Check is one check.
type Check struct {
	ID       string // lower-case words joined by '-'; a language's own start with the language's name
	Severity string // Error, Warning or Note
	Message  string // one line: what is wrong
	Help     string // what the check looks for, why it matters, how to fix it
	// Languages are the rule languages (rule.Rule.Language) it applies to;
	// none: any.
	Languages []string
	// Rule checks one rule; Corpus checks every rule at once. A check has
	// one of them.
	Rule   func(r *rule.Rule, rep *Reporter)
	Corpus func(rules []*rule.Rule, rep func(i int) *Reporter)
	// Claims, optional, tells that a diagnostic of the front end is what
	// this check reports, so the syntax checks leave it out.
	Claims func(d rule.Diagnostic) bool
	// Place, optional, for a check across the corpus that places its
	// findings in a rule's query (not at the rule), reports at r a
	// finding it made of r, with its message msg: where the check places
	// it (PlaceAgain).
	Place func(r *rule.Rule, rep *Reporter, msg string)
}

// HelpURI returns the address of c's help.
func (c *Check) HelpURI() string { return HelpBase + "#lint-" + c.ID }

// AppliesTo tells whether c checks rules of the language l.
func (c *Check) AppliesTo(l string) bool {
	return len(c.Languages) == 0 || slices.Contains(c.Languages, l)
}

var (
	mu        sync.RWMutex
	checks    []*Check
	disablers = map[string]func(r *rule.Rule) []string{}
)

// Register adds a check. It panics when the id is taken or the check is not whole.
func Register(c *Check) {
	mu.Lock()
	defer mu.Unlock()
	if c.ID == "" || SeverityRank(c.Severity) == 0 || c.Message == "" || c.Help == "" || (c.Rule == nil) == (c.Corpus == nil) {
		panic("lint: check " + c.ID + " is not whole (id, severity, message, help, and one of Rule or Corpus)")
	}
	for _, o := range checks {
		if o.ID == c.ID {
			panic("lint: check " + c.ID + " registered twice")
		}
	}
	checks = append(checks, c)
	slices.SortFunc(checks, func(a, b *Check) int { return cmp.Compare(a.ID, b.ID) })
}

// RegisterDisables adds, for the rules of language, a reader of the checks
// a rule disables besides the `ruledex:disable=` text every rule may hold.
func RegisterDisables(language string, f func(r *rule.Rule) []string) {
	mu.Lock()
	defer mu.Unlock()
	disablers[language] = f
}

// Checks returns every registered check, by id.
func Checks() []*Check {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(checks)
}

// Get returns the check called id, or nil.
func Get(id string) *Check {
	mu.RLock()
	defer mu.RUnlock()
	for _, c := range checks {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// Finding is one thing a check found in a rule.
type Finding struct {
	Check       string `json:"check"`
	Severity    string `json:"severity"`
	Message     string `json:"message"`
	Rule        string `json:"rule"` // the rule's id
	Repo        string `json:"repo"`
	Path        string `json:"path"` // slash-separated, relative to the repository
	Line        int    `json:"line"` // 1-based line of the file
	Col         int    `json:"col"`  // 1-based column, in Unicode characters
	Fingerprint string `json:"fingerprint"`

	text   string // what the finding points at, for the fingerprint
	qline  int    // line in the rule's query (0: the position is the file's)
	qlines string // that line's text, to find the column in the file
}

// Reporter collects the findings of one check on one rule.
type Reporter struct {
	check *Check
	r     *rule.Rule
	out   *[]Finding
}

// Rule returns the rule reported on.
func (rep *Reporter) Rule() *rule.Rule { return rep.r }

func (rep *Reporter) add(f Finding) {
	c, r := rep.check, rep.r
	f.Check, f.Severity, f.Rule, f.Repo, f.Path = c.ID, c.Severity, r.ID, r.Source.Repo, r.Source.Path
	if f.Message == "" {
		f.Message = c.Message
	}
	if f.Line < 1 {
		f.Line, f.Col = ruleLine(r), 1
	}
	if f.Col < 1 {
		f.Col = 1
	}
	*rep.out = append(*rep.out, f)
}

func ruleLine(r *rule.Rule) int {
	switch {
	case r.Source.Line > 0:
		return r.Source.Line
	case r.QueryLine > 0:
		return r.QueryLine
	}
	return 1
}

// At reports at a line and column of the rule's file; text is what the
// finding points at.
func (rep *Reporter) At(line, col int, text, msg string) {
	rep.add(Finding{Line: line, Col: col, text: text, Message: msg})
}

// AtRule reports on the rule as a whole, at its first line.
func (rep *Reporter) AtRule(text, msg string) { rep.add(Finding{text: text, Message: msg}) }

// AtOffset reports at a byte offset of the rule's query; text is what the
// finding points at.
func (rep *Reporter) AtOffset(off int, text, msg string) {
	q := rep.r.Query
	if off < 0 || off > len(q) {
		rep.AtRule(text, msg)
		return
	}
	start := strings.LastIndexByte(q[:off], '\n') + 1
	end := strings.IndexByte(q[off:], '\n')
	if end < 0 {
		end = len(q)
	} else {
		end += off
	}
	qline := strings.Count(q[:start], "\n") + 1
	base := rep.r.QueryLine
	if base < 1 {
		base = 1
	}
	rep.add(Finding{Line: base + qline - 1, Col: utf8.RuneCountInString(q[start:off]) + 1, text: text, Message: msg,
		qline: qline, qlines: q[start:end]})
}

// Find reports at the first place of the query, from byte from on, where
// what is written; at the rule when it is not. text is what the finding
// points at.
func (rep *Reporter) Find(from int, what, text, msg string) {
	q := rep.r.Query
	if from < 0 || from > len(q) {
		from = 0
	}
	if what != "" {
		if i := strings.Index(q[from:], what); i >= 0 {
			rep.AtOffset(from+i, text, msg)
			return
		}
		if i := strings.Index(q, what); i >= 0 {
			rep.AtOffset(i, text, msg)
			return
		}
	}
	rep.AtRule(text, msg)
}

// StageOffset returns the byte offset in the query of the line a stage is
// on (Stage.Line), 0 when unknown.
func StageOffset(r *rule.Rule, s *rule.Stage) int {
	if s.Line < 1 {
		return 0
	}
	off := 0
	for l := 1; l < s.Line; l++ {
		i := strings.IndexByte(r.Query[off:], '\n')
		if i < 0 {
			return 0
		}
		off += i + 1
	}
	if i := strings.Index(r.Query[off:], firstLine(s.Text)); i >= 0 && s.Text != "" {
		return off + i
	}
	return off
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// AtPredicate reports on a predicate of stage s, at value when it is
// written there (the predicate's text otherwise).
func (rep *Reporter) AtPredicate(s *rule.Stage, p *rule.Predicate, value, msg string) {
	from := StageOffset(rep.r, s)
	q := rep.r.Query
	text := p.Field + " " + p.Kind + " " + value
	if p.Text != "" {
		if i := strings.Index(q[from:], p.Text); i >= 0 {
			from += i
		} else if i := strings.Index(q[from:], firstLine(p.Text)); i >= 0 {
			from += i
		}
	}
	if value != "" {
		// the value as written, quoted or not, after the predicate's start
		if i := strings.Index(q[from:], value); i >= 0 && (p.Text == "" || i <= len(p.Text)+len(value)) {
			rep.AtOffset(from+i, text, msg)
			return
		}
	}
	if from > 0 || (p.Text != "" && strings.HasPrefix(q, p.Text)) {
		rep.AtOffset(from, text, msg)
		return
	}
	rep.Find(0, s.Text, text, msg)
}

// Options choose the checks of a run.
type Options struct {
	// Enable, when not empty, runs only these checks; Disable leaves these out.
	Enable, Disable []string
	// RepoDisable are the checks each repository disables (ruledex.yaml).
	RepoDisable map[string][]string
	// Source, optional, returns the text of a rule's file, to put the
	// columns of findings in a query embedded in another format (a YAML
	// block indented under query:) at their place in the file.
	Source func(r *rule.Rule) []byte
	// Known, optional, gives the findings of the per-rule checks (Check.Rule)
	// on rules[i] when they are known (an incremental build's rules stored as
	// they are, with their findings): those checks do not run on it again and
	// the findings given are returned as they are. The checks across the
	// corpus (Check.Corpus) run on every rule.
	Known func(i int) ([]Finding, bool)
	// Off, optional, gives the checks rules[i] disables itself, in place of
	// Disabled(rules[i]): for rules that no longer hold the query and
	// description Disabled reads (a build's, between their reading and
	// their writing).
	Off func(i int) []string
}

// Unknown returns those of ids that are no check.
func Unknown(ids []string) []string {
	var bad []string
	for _, id := range ids {
		if Get(id) == nil {
			bad = append(bad, id)
		}
	}
	return bad
}

var disableRE = regexp.MustCompile(`ruledex:disable=([A-Za-z0-9_,-]+)`)

// Disabled returns the checks r disables itself: every
// `ruledex:disable=ID[,ID]` in its query or its description (a comment of
// the query's header, where a raw query file's description comes from),
// and what its language reads.
func Disabled(r *rule.Rule) []string {
	var ids []string
	for _, text := range []string{r.Query, r.Description} {
		if strings.Contains(text, "ruledex:disable=") {
			for _, m := range disableRE.FindAllStringSubmatch(text, -1) {
				ids = append(ids, strings.Split(strings.Trim(m[1], ","), ",")...)
			}
		}
	}
	mu.RLock()
	f := disablers[r.Language]
	mu.RUnlock()
	if f != nil {
		ids = append(ids, f(r)...)
	}
	return ids
}

// Run runs the checks over rules and returns the findings, sorted by
// repository, path, line, column and check.
func Run(rules []*rule.Rule, opt Options) []Finding {
	var run []*Check
	for _, c := range Checks() {
		if len(opt.Enable) > 0 && !slices.Contains(opt.Enable, c.ID) || slices.Contains(opt.Disable, c.ID) {
			continue
		}
		run = append(run, c)
	}
	var claims []func(rule.Diagnostic) bool
	for _, c := range Checks() {
		if c.Claims != nil {
			claims = append(claims, c.Claims)
		}
	}
	claimed := func(d rule.Diagnostic) bool {
		for _, f := range claims {
			if f(d) {
				return true
			}
		}
		return false
	}
	off := make([][]string, len(rules))
	for i, r := range rules {
		if opt.Off != nil {
			off[i] = append(slices.Clip(opt.Off(i)), opt.RepoDisable[r.Source.Repo]...)
		} else {
			off[i] = append(Disabled(r), opt.RepoDisable[r.Source.Repo]...)
		}
	}
	var known []bool
	var given []Finding
	if opt.Known != nil {
		known = make([]bool, len(rules))
		for i := range rules {
			var fs []Finding
			if fs, known[i] = opt.Known(i); known[i] {
				for _, f := range fs {
					if c := Get(f.Check); c != nil && c.Rule != nil && slices.ContainsFunc(run, func(x *Check) bool { return x == c }) {
						given = append(given, f)
					}
				}
			}
		}
	}
	var out []Finding
	for _, c := range run {
		if c.Corpus != nil {
			c.Corpus(rules, func(i int) *Reporter {
				if !c.AppliesTo(rules[i].Language) || slices.Contains(off[i], c.ID) {
					return &Reporter{check: c, r: rules[i], out: new([]Finding)}
				}
				return &Reporter{check: c, r: rules[i], out: &out}
			})
			continue
		}
		for i, r := range rules {
			if !c.AppliesTo(r.Language) || slices.Contains(off[i], c.ID) || known != nil && known[i] {
				continue
			}
			rep := &Reporter{check: c, r: r, out: &out}
			if c.ID == checkSyntaxError || c.ID == checkSyntaxWarning {
				syntax(r, rep, c.ID, claimed)
				continue
			}
			c.Rule(r, rep)
		}
	}
	finish(rules, out, opt)
	out = append(out, given...)
	Sort(out)
	return out
}

// Own gives each of fs strings of its own: a finding's rule, place and
// message may share the memory of the rule they were found in (a rule
// decoded from a catalog shares its stored body), which findings kept
// after their rule is let go would otherwise keep whole (`ruledex lint
// --db` kept 870 MB of bodies through 170,000 findings at N = 15 forks of
// the corpus).
func Own(fs []Finding) {
	for i := range fs {
		f := &fs[i]
		f.Message, f.Rule, f.Repo, f.Path = strings.Clone(f.Message), strings.Clone(f.Rule), strings.Clone(f.Repo), strings.Clone(f.Path)
		f.Fingerprint, f.text, f.qlines = strings.Clone(f.Fingerprint), strings.Clone(f.text), strings.Clone(f.qlines)
	}
}

// Sort sorts findings as Run returns them: by repository, path, line,
// column, check, message and (findings of one place alike but for what
// they point at) fingerprint, so that the order does not depend on the
// order the checks found them in.
func Sort(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Message, b.Message),
			cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
}

// finish puts columns at their place in the file and makes fingerprints.
func finish(rules []*rule.Rule, out []Finding, opt Options) {
	byID := map[string]*rule.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	var lines map[*rule.Rule][]string
	if opt.Source != nil {
		lines = map[*rule.Rule][]string{}
	}
	seen := map[string]int{}
	for i := range out {
		f := &out[i]
		r := byID[f.Rule]
		if lines != nil && f.qline > 0 && r != nil {
			ls, ok := lines[r]
			if !ok {
				if data := opt.Source(r); data != nil {
					ls = strings.Split(string(data), "\n")
				}
				lines[r] = ls
			}
			// A query embedded in another format (indented under a YAML key):
			// the query's line ends the file's line.
			if f.Line-1 < len(ls) && f.qlines != "" {
				fl := strings.TrimRight(ls[f.Line-1], " \t\r")
				ql := strings.TrimRight(f.qlines, " \t")
				if ql != "" && fl != ql && strings.HasSuffix(fl, ql) {
					f.Col += utf8.RuneCountInString(fl) - utf8.RuneCountInString(ql)
				}
			}
		}
		key := f.Check + "\x00" + f.Rule + "\x00" + f.text
		n := seen[key]
		seen[key] = n + 1
		if n > 0 {
			key += fmt.Sprintf("\x00%d", n)
		}
		f.Fingerprint = Fingerprint(key)
		// Done with: a line of the query would keep the whole rule's text
		// in memory as long as the finding (a build holds every finding).
		f.text, f.qline, f.qlines = "", 0, ""
	}
}

// PlaceAgain returns fs, findings of checks across the corpus on rule r
// that a run over a corpus made, placed in r as it is now: a build that
// reads a rule's file again, and finds it the same rule for every check
// across the corpus (its skeleton the same: what they read of it), keeps
// their findings without running them over every rule, but its text may
// have moved (a line indented anew under a YAML key changes a column).
// A finding of a check with Place is placed as the check places it, its
// message and fingerprint kept; the others are at the rule (AtRule: its
// line the skeleton's) and kept as they are.
func PlaceAgain(r *rule.Rule, fs []Finding, opt Options) []Finding {
	out := slices.Clone(fs)
	for i, f := range out {
		c := Get(f.Check)
		if c == nil || c.Place == nil {
			continue
		}
		var at []Finding
		c.Place(r, &Reporter{check: c, r: r, out: &at}, f.Message)
		finish([]*rule.Rule{r}, at, opt)
		if len(at) == 1 {
			out[i].Line, out[i].Col = at[0].Line, at[0].Col
		}
	}
	return out
}

// Fingerprint returns the hash (hex, 32 digits) of a finding's key.
func Fingerprint(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:16])
}

// Count returns how many findings each check has, and how many of each severity.
func Count(fs []Finding) (byCheck, bySeverity map[string]int) {
	byCheck, bySeverity = map[string]int{}, map[string]int{}
	for _, f := range fs {
		byCheck[f.Check]++
		bySeverity[f.Severity]++
	}
	return byCheck, bySeverity
}

// RunRule runs over one rule the checks it can answer alone: every check
// of a rule, and those across the corpus it answers from the links a
// catalog filled (FromLinks; the other corpus checks need every rule).
func RunRule(r *rule.Rule) []Finding {
	return Run([]*rule.Rule{r}, Options{Disable: NeedAll()})
}

// FromLinks are the checks across the corpus that a rule answers alone
// once the cross-reference has filled its links: near-duplicate, from
// rule.Rule.NearDuplicates.
var FromLinks = []string{"near-duplicate"}

// FromCounts are the checks across the corpus that read the indicators'
// corpus counts, which the cross-reference fills (catalog.IndicatorCounts):
// common-indicators. A build that keeps the last catalog's cross-references
// keeps their findings too; the other checks across the corpus read only
// what a rule gives.
var FromCounts = []string{"common-indicators"}

// NeedAll returns the checks across the corpus that need every rule at
// once: the others than FromLinks.
func NeedAll() []string {
	var ids []string
	for _, c := range Checks() {
		if c.Corpus != nil && !slices.Contains(FromLinks, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}
