package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// show ID reads the rule from a built catalog.
func init() { lookupRule = lookupRuleInDB }

// lookupRuleInDB finds the rule named id: by its id, else by its source's
// own identifier (a Sigma rule's UUID); else it says which rules a typo
// may have meant (store.Suggest), else which rules hold the words.
func lookupRuleInDB(env *Env, db, id string) (*rule.Rule, error) {
	d, err := store.Open(db)
	if err != nil {
		return nil, fmt.Errorf("%s is no file, and %w", id, err)
	}
	defer d.Close()
	r, err := d.Rule(env.Ctx, id)
	if !errors.Is(err, store.ErrNotFound) {
		return r, err
	}
	if byUID, uerr := d.RuleIDByUID(env.Ctx, id); uerr == nil {
		return d.Rule(env.Ctx, byUID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no rule %s in %s", termLine(id), db)
	if ss, serr := d.Suggest(env.Ctx, id, 5); serr == nil && len(ss) > 0 {
		b.WriteString("; did you mean:")
		for _, s := range ss {
			by := ""
			if s.By == "uid" {
				by = " (its source's id is close)"
			}
			fmt.Fprintf(&b, "\n  %s  %s%s", termLine(s.ID), termLine(s.Title), by)
		}
		return nil, errors.New(b.String())
	}
	// Rules whose text holds the words.
	if res, serr := d.Search(env.Ctx, store.Query{Text: id, PerPage: 5}); serr == nil && len(res.Hits) > 0 {
		b.WriteString("; rules that mention it:")
		for _, h := range res.Hits {
			fmt.Fprintf(&b, "\n  %s  %s", termLine(h.ID), termLine(h.Title))
		}
	}
	return nil, errors.New(b.String())
}
