package loweryaral

import (
	"regexp"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/rule"
)

// ATT&CK from the meta section, in every shape the Chronicle community
// rules use:
//
//   - ids: technique = "T1027" (Sigma-style, also a list "T1003.001,
//     T1003.002"), mitre_attack_technique_id, and any T1234 or T1234.001
//     written in a key that names ATT&CK;
//   - addresses: mitre_attack_url = "https://attack.mitre.org/techniques/T1078/004/"
//     (also under versions/v14/);
//   - names: mitre_attack_technique = "Valid Accounts: Cloud Accounts",
//     resolved to an id through the ATT&CK table (a technique's name, or a
//     sub-technique's full name "Parent: Name");
//   - tactics: tactic = "TA0005", mitre_attack_tactic = "Defense Evasion,
//     Persistence" (ids or names);
//   - a mixed list: mitre = "execution, t1059" (each part an id, a tactic
//     or a technique name).
//
// Names the table does not know are left out (an id never is: ResolveRule
// reports an unknown one).

// attackKey tells whether a meta key holds ATT&CK: mitre*, attack*,
// technique*, tactic*, and the same after a prefix (mitre_attack_tactic).
func attackKey(key string) bool {
	return strings.Contains(key, "mitre") || strings.Contains(key, "attack") || strings.Contains(key, "technique") || strings.Contains(key, "tactic")
}

var (
	techIDRE  = regexp.MustCompile(`(?i)\bT(\d{4})(?:[./](\d{3}))?\b`)
	tacticRE  = regexp.MustCompile(`(?i)^TA\d{4}$`)
	attackURL = regexp.MustCompile(`(?i)attack\.mitre\.org/(?:versions/[^/]+/)?techniques/T(\d{4})(?:/(\d{3}))?`)
)

// metaAttack collects the ATT&CK a rule's meta states.
type metaAttack struct {
	techs   []rule.Technique
	tactics []string
	seen    map[string]bool
}

func (m *metaAttack) tech(id string) {
	id = attack.NormalizeID(id)
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if !m.seen[id] {
		m.seen[id] = true
		m.techs = append(m.techs, rule.Technique{ID: id})
	}
}

func (m *metaAttack) tactic(t string) {
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	k := "tactic:" + strings.ToLower(t)
	if !m.seen[k] {
		m.seen[k] = true
		m.tactics = append(m.tactics, t)
	}
}

// add reads one meta entry (key lower-cased).
func (m *metaAttack) add(key, v string) {
	if v == "" || !attackKey(key) || strings.HasSuffix(key, "version") {
		return
	}
	if strings.Contains(key, "url") || strings.Contains(v, "attack.mitre.org") {
		for _, g := range attackURL.FindAllStringSubmatch(v, -1) {
			id := "T" + g[1]
			if g[2] != "" {
				id += "." + g[2]
			}
			m.tech(id)
		}
		return
	}
	t := attackTable()
	isTactic := strings.Contains(key, "tactic")
	// The whole value first: a name may hold a comma.
	if !isTactic {
		if id, ok := t.names[normName(v)]; ok {
			m.tech(id)
			return
		}
	}
	for _, part := range strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ';' || c == '|' || c == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if g := techIDRE.FindStringSubmatch(part); g != nil && len(g[0]) >= len(part)-1 {
			id := "T" + g[1]
			if g[2] != "" {
				id += "." + g[2]
			}
			m.tech(id)
			continue
		}
		if tacticRE.MatchString(part) {
			m.tactic(strings.ToUpper(part))
			continue
		}
		if ta, ok := attack.Default().Tactic(part); ok {
			m.tactic(ta.Shortname)
			continue
		}
		if id, ok := t.names[normName(part)]; ok && !isTactic {
			m.tech(id)
			continue
		}
		// an id inside other text ("T1059 - Command and Scripting Interpreter")
		if !isTactic {
			for _, g := range techIDRE.FindAllStringSubmatch(part, -1) {
				id := "T" + g[1]
				if g[2] != "" {
					id += "." + g[2]
				}
				m.tech(id)
			}
		}
	}
}

func (m *metaAttack) result() ([]rule.Technique, []string) { return m.techs, m.tactics }

// nameTable maps technique names to ids.
type nameTable struct {
	names map[string]string // normName(name) → id
}

var (
	namesTab  *nameTable
	namesFrom *attack.Table
	namesMu   sync.Mutex
)

// attackTable returns the name index of the ATT&CK table in use (made
// again when attack.SetDefault chose another).
func attackTable() *nameTable {
	namesMu.Lock()
	defer namesMu.Unlock()
	cur := attack.Default()
	if namesTab != nil && namesFrom == cur {
		return namesTab
	}
	nt := &nameTable{names: map[string]string{}}
	// Current techniques win over revoked and deprecated ones of the same
	// name; a technique's own name over a sub-technique's short name.
	type cand struct {
		id   string
		rank int
	}
	best := map[string]cand{}
	put := func(name, id string, rank int) {
		k := normName(name)
		if k == "" {
			return
		}
		if c, ok := best[k]; !ok || rank < c.rank {
			best[k] = cand{id, rank}
		} else if rank == c.rank && c.id != id {
			best[k] = cand{"", rank} // ambiguous at this rank
		}
	}
	for _, te := range cur.Techniques() {
		old := 0
		if te.Revoked || te.Deprecated {
			old = 10
		}
		if te.IsSub() {
			put(cur.FullName(te.ID), te.ID, old)
			put(te.Name, te.ID, old+2)
		} else {
			put(te.Name, te.ID, old)
		}
	}
	for k, c := range best {
		if c.id != "" {
			nt.names[k] = c.id
		}
	}
	namesTab, namesFrom = nt, cur
	return nt
}

// normName is the comparison form of a technique name: lower case, runs of
// spaces one, spaces around ':' and '/' dropped.
func normName(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = strings.ReplaceAll(s, " :", ":")
	s = strings.ReplaceAll(s, ": ", ":")
	s = strings.ReplaceAll(s, " / ", "/")
	return s
}
