// Package attack is ruledex's MITRE ATT&CK Enterprise table: the tactics in
// matrix order and every technique with its name, tactics, platforms and
// deprecated/revoked state, embedded from data/enterprise-attack.json (see
// data/NOTICE for MITRE's notice). It looks techniques and tactics up,
// resolves the techniques a rule states (Resolve, ResolveRule), and imports
// a newer table from MITRE's STIX bundle (ImportSTIX).
//
// Revoked techniques: when a rule states a technique that MITRE revoked and
// replaced (T1086 → T1059.001), the resolved technique carries the
// replacement: ID and Name are the replacement's, Revoked is true, RevokedBy
// is the replacement id and StatedAs keeps the id the rule wrote. Coverage
// thus counts the rule under the technique that exists today, and pages can
// still say what the rule wrote. A deprecated technique (no replacement)
// keeps its id with Deprecated set.
//
// A different table (a newer ATT&CK release) is used for a build with
// Load(path) and SetDefault; `ruledex attack import enterprise-attack.json
// --out attack.json` makes such a file, and commands that read rules take it
// with `--attack attack.json`.
package attack

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
)

//go:embed data/enterprise-attack.json
var embedded []byte

// Tactic is an ATT&CK tactic.
type Tactic struct {
	ID        string `json:"id"`        // TA0001
	Shortname string `json:"shortname"` // initial-access
	Name      string `json:"name"`      // Initial Access
	// Replaces and Since are set on a tactic of a later ATT&CK release than
	// the table's, known so that rules written for it resolve: the tactic
	// of the table's release it succeeds, and the release that made it.
	Replaces string `json:"replaces,omitempty"`
	Since    string `json:"since,omitempty"`
}

//go:embed data/later-tactics.json
var laterTacticsJSON []byte

// laterTactics are the tactics of ATT&CK releases newer than a table's that
// rules already state (SigmaHQ writes v19's stealth and
// defense-impairment): a table that lacks one but has the tactic it
// replaces gets it, right after that tactic, with no technique of its own
// (the table's release maps none to it; a table imported from a release
// that has it maps them).
var laterTactics = sync.OnceValue(func() []Tactic {
	var v struct {
		Tactics []Tactic `json:"tactics"`
	}
	if err := json.Unmarshal(laterTacticsJSON, &v); err != nil {
		panic("attack: data/later-tactics.json: " + err.Error())
	}
	return v.Tactics
})

// Technique is an ATT&CK technique or sub-technique.
type Technique struct {
	ID         string   `json:"id"` // T1059 or T1059.001
	Name       string   `json:"name"`
	Tactics    []string `json:"tactics"` // shortnames, in ATT&CK's order
	Platforms  []string `json:"platforms"`
	Deprecated bool     `json:"deprecated"`
	Revoked    bool     `json:"revoked"`
	RevokedBy  string   `json:"revoked_by,omitempty"` // the technique that replaces a revoked one
}

// IsSub tells whether t is a sub-technique.
func (t Technique) IsSub() bool { return strings.IndexByte(t.ID, '.') >= 0 }

// Parent returns the technique id of a sub-technique id (T1059.001 → T1059),
// and id itself otherwise.
func Parent(id string) string {
	if i := strings.IndexByte(id, '.'); i >= 0 {
		return id[:i]
	}
	return id
}

// Table is an ATT&CK table. Its methods may be called from several
// goroutines at once.
type Table struct {
	Source     string // where the table was made from
	Version    string // ATT&CK release, e.g. "18.1"
	tactics    []Tactic
	techniques []Technique // sorted by id
	byID       map[string]int
	tacticKey  map[string]int // normalised id, shortname and name → index in tactics
	tacticAs   map[string]int // id, shortname and name as written in the table → index
}

type tableJSON struct {
	Source     string      `json:"source"`
	Version    string      `json:"attack_version"`
	Tactics    []Tactic    `json:"tactics"`
	Techniques []Technique `json:"techniques"`
}

// NewTable makes a table of tactics (in matrix order) and techniques.
func NewTable(source, version string, tactics []Tactic, techniques []Technique) *Table {
	t := &Table{Source: source, Version: version, tactics: append([]Tactic(nil), tactics...)}
	t.techniques = append([]Technique(nil), techniques...)
	for i := range t.techniques {
		te := &t.techniques[i]
		te.ID = strings.ToUpper(strings.TrimSpace(te.ID))
		if te.Tactics == nil {
			te.Tactics = []string{}
		}
		if te.Platforms == nil {
			te.Platforms = []string{}
		}
	}
	sort.SliceStable(t.techniques, func(i, j int) bool { return t.techniques[i].ID < t.techniques[j].ID })
	t.byID = make(map[string]int, len(t.techniques))
	for i, te := range t.techniques {
		if _, dup := t.byID[te.ID]; !dup {
			t.byID[te.ID] = i
		}
	}
	t.tactics = withLaterTactics(t.tactics)
	t.tacticKey = make(map[string]int, 3*len(t.tactics))
	t.tacticAs = make(map[string]int, 3*len(t.tactics))
	for i, ta := range t.tactics {
		for _, k := range []string{ta.ID, ta.Shortname, ta.Name} {
			// A later tactic may reuse the id of the one it succeeds (v19's
			// Stealth is TA0005, Defense Evasion's id): the release's own
			// tactic keeps it.
			if _, taken := t.tacticAs[k]; !taken {
				t.tacticAs[k] = i
			}
			if k = tacticKey(k); k != "" {
				if _, taken := t.tacticKey[k]; !taken {
					t.tacticKey[k] = i
				}
			}
		}
	}
	return t
}

// withLaterTactics returns tactics with every later tactic it lacks (by
// shortname) whose replaced tactic it has, placed after that tactic.
func withLaterTactics(tactics []Tactic) []Tactic {
	have := map[string]bool{}
	for _, ta := range tactics {
		have[ta.Shortname] = true
	}
	for _, lt := range laterTactics() {
		if have[lt.Shortname] || !have[lt.Replaces] {
			continue
		}
		at := len(tactics)
		for i, ta := range tactics {
			if ta.Shortname == lt.Replaces || ta.Replaces == lt.Replaces {
				at = i + 1
			}
		}
		tactics = append(tactics[:at], append([]Tactic{lt}, tactics[at:]...)...)
		have[lt.Shortname] = true
	}
	return tactics
}

// Succeeds tells whether the tactic with shortname later is one of a later
// release that replaces the tactic with shortname earlier.
func (t *Table) Succeeds(later, earlier string) bool {
	ta, ok := t.Tactic(later)
	return ok && ta.Replaces != "" && ta.Replaces == earlier
}

var (
	defaultOnce  sync.Once
	defaultMu    sync.RWMutex
	defaultTable *Table
)

// Default returns the table in use: the embedded one, unless SetDefault
// chose another.
func Default() *Table {
	defaultOnce.Do(func() {
		t, err := Parse(bytes.NewReader(embedded))
		if err != nil {
			panic("attack: embedded table: " + err.Error())
		}
		defaultMu.Lock()
		if defaultTable == nil {
			defaultTable = t
		}
		defaultMu.Unlock()
	})
	defaultMu.RLock()
	defer defaultMu.RUnlock()
	return defaultTable
}

// Embedded returns the table embedded in the program.
func Embedded() *Table {
	t, err := Parse(bytes.NewReader(embedded))
	if err != nil {
		panic("attack: embedded table: " + err.Error())
	}
	return t
}

// SetDefault makes t the table Default returns (and ResolveRule uses), for
// the rest of the process. nil restores the embedded table.
func SetDefault(t *Table) {
	if t == nil {
		t = Embedded()
	}
	defaultOnce.Do(func() {})
	defaultMu.Lock()
	defaultTable = t
	defaultMu.Unlock()
}

// Parse reads a table in ruledex's JSON form (what WriteJSON writes).
func Parse(r io.Reader) (*Table, error) {
	var tj tableJSON
	dec := json.NewDecoder(r)
	if err := dec.Decode(&tj); err != nil {
		return nil, fmt.Errorf("ATT&CK table: %w", err)
	}
	if len(tj.Tactics) == 0 || len(tj.Techniques) == 0 {
		return nil, fmt.Errorf("ATT&CK table: no tactics or no techniques")
	}
	return NewTable(tj.Source, tj.Version, tj.Tactics, tj.Techniques), nil
}

// Load reads the table at path: ruledex's JSON form, or MITRE's STIX 2.1
// bundle (enterprise-attack.json), either of them gzipped or not.
func Load(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := maybeGunzip(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	var t *Table
	if isBundle(head) {
		t, err = ImportSTIX(br)
	} else {
		t, err = Parse(br)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// isBundle tells from the start of a JSON document whether it is a STIX bundle.
func isBundle(head []byte) bool {
	s := string(head)
	return strings.Contains(s, `"bundle"`) || strings.Contains(s, `"objects"`) || strings.Contains(s, `"spec_version"`)
}

// maybeGunzip returns a reader of the uncompressed data of br when it is
// gzipped, and br otherwise.
func maybeGunzip(br *bufio.Reader) (io.Reader, error) {
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}

// WriteJSON writes t in ruledex's JSON form, which Parse and Load read.
func (t *Table) WriteJSON(w io.Writer) error {
	tj := tableJSON{Source: t.Source, Version: t.Version, Tactics: t.Tactics(), Techniques: t.Techniques()}
	if tj.Tactics == nil {
		tj.Tactics = []Tactic{}
	}
	if tj.Techniques == nil {
		tj.Techniques = []Technique{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(tj)
}

// Tactics returns the tactics in matrix order.
func (t *Table) Tactics() []Tactic { return append([]Tactic(nil), t.tactics...) }

// Techniques returns every technique, sub-techniques included, revoked and
// deprecated ones included, sorted by id.
func (t *Table) Techniques() []Technique {
	out := make([]Technique, len(t.techniques))
	for i, te := range t.techniques {
		out[i] = te
		out[i].Tactics = append([]string{}, te.Tactics...)
		out[i].Platforms = append([]string{}, te.Platforms...)
	}
	return out
}

// Technique looks a technique up by id, case-insensitively; "T1059.001",
// "t1059.001" and "T1059/001" name the same one.
func (t *Table) Technique(id string) (Technique, bool) {
	i, ok := t.byID[NormalizeID(id)]
	if !ok {
		return Technique{}, false
	}
	return t.techniques[i], true
}

// Current follows the revoked-by chain of a technique to the one in use
// today. It returns the technique itself when it is not revoked (or was
// revoked with no replacement), and false when id is unknown.
func (t *Table) Current(id string) (Technique, bool) {
	te, ok := t.Technique(id)
	if !ok {
		return te, false
	}
	for n := 0; te.Revoked && te.RevokedBy != "" && n < 16; n++ {
		next, ok := t.Technique(te.RevokedBy)
		if !ok {
			break
		}
		te = next
	}
	return te, true
}

// Tactic looks a tactic up by its id (TA0001), shortname (initial-access),
// name (Initial Access) or a spelling of them (InitialAccess,
// initial_access), case-insensitively.
func (t *Table) Tactic(s string) (Tactic, bool) {
	i, ok := t.tacticAs[s]
	if !ok {
		i, ok = t.tacticKey[tacticKey(s)]
	}
	if !ok {
		return Tactic{}, false
	}
	return t.tactics[i], true
}

// TacticIndex returns the matrix position of a tactic named any way Tactic
// accepts, or -1.
func (t *Table) TacticIndex(s string) int {
	if i, ok := t.tacticKey[tacticKey(s)]; ok {
		return i
	}
	return -1
}

// tacticKey is the comparison key of a tactic spelling: lower case, without
// spaces, hyphens and underscores.
func tacticKey(s string) string {
	var b strings.Builder
	for _, c := range strings.TrimSpace(s) {
		switch {
		case c == ' ' || c == '-' || c == '_' || c == '\t':
		case c >= 'A' && c <= 'Z':
			b.WriteRune(c + 'a' - 'A')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// NormalizeID returns the canonical spelling of a technique id: upper case,
// trimmed, with "." between technique and sub-technique ("t1059/001" →
// "T1059.001"). A string that is no technique id is returned trimmed.
func NormalizeID(id string) string {
	s := strings.ToUpper(strings.TrimSpace(id))
	if len(s) == 9 && (s[5] == '/' || s[5] == '_') {
		s = s[:5] + "." + s[6:]
	}
	return s
}

// ValidID tells whether id (canonical) is shaped like a technique id:
// T and four digits, optionally a dot and three digits.
func ValidID(id string) bool {
	if len(id) != 5 && len(id) != 9 {
		return false
	}
	if id[0] != 'T' || !digits(id[1:5]) {
		return false
	}
	return len(id) == 5 || (id[5] == '.' && digits(id[6:]))
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Platforms returns the ATT&CK platforms of the current techniques (Windows,
// Linux, IaaS, ...), the most common first.
func (t *Table) Platforms() []string {
	count := map[string]int{}
	for _, te := range t.techniques {
		if te.Revoked || te.Deprecated {
			continue
		}
		for _, p := range te.Platforms {
			count[p]++
		}
	}
	out := make([]string, 0, len(count))
	for p := range count {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if count[out[i]] != count[out[j]] {
			return count[out[i]] > count[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// Subtechniques returns the current sub-techniques of a technique, by id.
func (t *Table) Subtechniques(id string) []Technique {
	id = NormalizeID(id) + "."
	var out []Technique
	i := sort.Search(len(t.techniques), func(i int) bool { return t.techniques[i].ID >= id })
	for ; i < len(t.techniques) && strings.HasPrefix(t.techniques[i].ID, id); i++ {
		if te := t.techniques[i]; !te.Revoked && !te.Deprecated {
			out = append(out, te)
		}
	}
	return out
}

// FullName returns the name a technique is shown with: its name, and for a
// sub-technique its parent's name first ("Remote Services: Direct Cloud VM
// Connections"). It returns "" for an unknown id.
func (t *Table) FullName(id string) string {
	te, ok := t.Technique(id)
	if !ok {
		return ""
	}
	if te.IsSub() {
		if p, ok := t.Technique(Parent(te.ID)); ok {
			return p.Name + ": " + te.Name
		}
	}
	return te.Name
}
