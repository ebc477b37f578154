package vocab

import (
	"slices"
	"strings"
)

// Spellings returns every way a platform of the vocabulary writes the
// canonical field name: the name itself and each source's field that maps
// to it (with the source's prefix too, Splunk's Processes.process), sorted
// and distinct (case-insensitively). A search for any of them finds the
// rules of every platform (the store indexes them).
func (v *Vocabulary) Spellings(canonical string) []string {
	v.spellOnce.Do(func() {
		v.spellings = map[string][]string{}
		seen := map[string]bool{}
		add := func(c, f string) {
			k := strings.ToLower(c) + "\x00" + strings.ToLower(f)
			if f == "" || seen[k] {
				return
			}
			seen[k] = true
			v.spellings[strings.ToLower(c)] = append(v.spellings[strings.ToLower(c)], f)
		}
		for _, p := range v.Platforms() {
			for _, s := range v.byPlatform[p] {
				for _, m := range s.fields {
					if m.Canonical == "" {
						continue
					}
					add(m.Canonical, m.Canonical)
					add(m.Canonical, m.Field)
					if s.Prefix != "" {
						add(m.Canonical, s.Prefix+m.Field)
					}
				}
			}
		}
		for _, ss := range v.spellings {
			slices.Sort(ss)
		}
	})
	if ss := v.spellings[strings.ToLower(canonical)]; ss != nil {
		return ss
	}
	return []string{canonical}
}
