package store

import (
	"context"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/catalog"
)

// ActionHit is a rule that looks at an action, with the rule's actions that
// match it.
type ActionHit struct {
	RuleSummary
	Actions []string `json:"actions"`
}

// actionKey is a row of the actions table.
type actionKey struct {
	rule                       int64
	space, value, match, label string
}

// actionIndex holds every rule's action keys, loaded on first use.
type actionIndex struct {
	full    map[string][]actionKey // by value
	windows map[string][]actionKey // Windows keys by event id
	partial []actionKey
}

func (d *DB) actions(ctx context.Context) (*actionIndex, error) {
	d.actOnce.Do(func() { d.act, d.actErr = d.loadActions(context.WithoutCancel(ctx)) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return d.act, d.actErr
}

func (d *DB) loadActions(ctx context.Context) (*actionIndex, error) {
	ix := &actionIndex{full: map[string][]actionKey{}, windows: map[string][]actionKey{}}
	rows, err := d.db.QueryContext(ctx, `SELECT rule, space, value, match, label FROM actions`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k actionKey
		if err := rows.Scan(&k.rule, &k.space, &k.value, &k.match, &k.label); err != nil {
			return nil, err
		}
		switch {
		case k.match != "":
			ix.partial = append(ix.partial, k)
		case k.space == "windows":
			_, id, _ := strings.Cut(k.value, ":")
			ix.windows[id] = append(ix.windows[id], k)
		default:
			ix.full[k.value] = append(ix.full[k.value], k)
		}
	}
	return ix, rows.Err()
}

// match returns the rules that look at the action value, with their
// matching action labels: the same answer as catalog.MatchAction over the
// catalog, and the rules that look at an action value is a part of (when it
// holds a separator). value is an Azure operation or a part of one, a
// CloudTrail event name, a Windows event id ("4688", or
// "Microsoft-Windows-Security-Auditing 4688"), ...
func (ix *actionIndex) match(value string) map[int64][]string {
	v := catalog.Fold(strings.TrimSpace(value))
	out := map[int64][]string{}
	if v == "" {
		return out
	}
	add := func(k actionKey) {
		for _, l := range out[k.rule] {
			if l == k.label {
				return
			}
		}
		out[k.rule] = append(out[k.rule], k.label)
	}
	for _, k := range ix.full[v] {
		add(k)
	}
	if k := strings.TrimSuffix(v, "."); k != v { // Entra activities are written with and without a final period
		for _, e := range ix.full[k] {
			if e.space == "entra" {
				add(e)
			}
		}
	}
	provider, id := "", v
	if i := strings.LastIndexByte(v, ' '); i > 0 {
		provider, id = strings.TrimSpace(v[:i]), v[i+1:]
	}
	if isDigits(id) {
		for _, k := range ix.windows[id] {
			if provider == "" || strings.HasPrefix(k.value, provider+":") {
				add(k)
			}
		}
	}
	for _, k := range ix.partial {
		if catalog.PartialMatches(v, k.value, k.match) {
			add(k)
		}
	}
	// A part of an action's name that holds a separator ("runCommand/action",
	// "virtualMachines/write") finds the rules that look at actions it is a
	// part of, as a has would.
	if len(v) >= 3 && strings.ContainsAny(v, "/.:") {
		for full, ks := range ix.full {
			if full != v && catalog.PartialMatches(full, v, "has") {
				for _, k := range ks {
					add(k)
				}
			}
		}
	}
	return out
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Action returns the rules that look at an action (see catalog.MatchAction):
// by its full name, or through a part of it that a rule matches (has,
// contains, startswith, endswith), in any language; by id.
func (d *DB) Action(ctx context.Context, value string) ([]ActionHit, error) {
	ix, err := d.actions(ctx)
	if err != nil {
		return nil, err
	}
	m := ix.match(value)
	ns := make([]int64, 0, len(m))
	for n := range m {
		ns = append(ns, n)
	}
	sums, err := d.summaryMap(ctx, ns)
	if err != nil {
		return nil, err
	}
	out := make([]ActionHit, 0, len(sums))
	for n, s := range sums {
		out = append(out, ActionHit{RuleSummary: s, Actions: m[n]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
