package cli

import (
	"errors"
	"fmt"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// show ID reads the rule from a built catalog.
func init() { lookupRule = lookupRuleInDB }

func lookupRuleInDB(env *Env, db, id string) (*rule.Rule, error) {
	d, err := store.Open(db)
	if err != nil {
		return nil, fmt.Errorf("%s is no file, and %w", id, err)
	}
	defer d.Close()
	r, err := d.Rule(env.Ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Suggest rules whose id or title holds the words.
		res, serr := d.Search(env.Ctx, store.Query{Text: id, PerPage: 5})
		if serr == nil && len(res.Hits) > 0 {
			msg := fmt.Sprintf("no rule %s in %s; did you mean:", id, db)
			for _, h := range res.Hits {
				msg += "\n  " + h.ID + "  " + h.Title
			}
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("no rule %s in %s", id, db)
	}
	return r, err
}
