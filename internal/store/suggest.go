package store

import (
	"context"
	"sort"
	"strings"
)

// A rule named by a mistyped id, or by its source's own identifier (a
// Sigma rule's UUID, a Sentinel rule's id: rule.Rule.UID), is found by
// Suggest: the faces say "did you mean" rather than only "no rule".

// ruleKey is what a rule may be named by.
type ruleKey struct{ id, uid, title string }

// Suggestion is a rule that a name given may have meant.
type Suggestion struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	By       string `json:"by"`       // what matched: "id" or "uid" (the source's own identifier)
	Distance int    `json:"distance"` // edits between the name given and what matched; 0 for a uid given whole
}

// keysPrefix is how much of a rule's body holds its id and uid (the first
// two strings of its encoding); a longer pair is decoded from the whole.
const keysPrefix = 512

// ruleKeys returns the id, uid and title of every rule, read once.
func (d *DB) ruleKeys(ctx context.Context) ([]ruleKey, error) {
	d.keysOnce.Do(func() {
		d.keys, d.keysErr = d.loadRuleKeys(context.WithoutCancel(ctx))
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return d.keys, d.keysErr
}

func (d *DB) loadRuleKeys(ctx context.Context) ([]ruleKey, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT n, id, title, substr(body, 1, ?) FROM rules ORDER BY id`, keysPrefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []ruleKey
	var again []int64
	for rows.Next() {
		var n int64
		var k ruleKey
		var head []byte
		if err := rows.Scan(&n, &k.id, &k.title, &head); err != nil {
			return nil, err
		}
		uid, ok := bodyUID(string(head))
		if !ok {
			again = append(again, n)
		}
		k.uid = uid
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range again {
		var id string
		var body []byte
		if err := d.db.QueryRowContext(ctx, `SELECT id, body FROM rules WHERE n = ?`, n).Scan(&id, &body); err != nil {
			return nil, err
		}
		uid, _ := bodyUID(string(body))
		for i := range keys {
			if keys[i].id == id {
				keys[i].uid = uid
			}
		}
	}
	return keys, nil
}

// bodyUID decodes the uid of an encoded rule from its start; ok is false
// when s ends before it.
func bodyUID(s string) (uid string, ok bool) {
	if !isBody(s) {
		return "", true // not a rule of this codec: no uid to find
	}
	d := decoder{s: s, p: 1}
	d.str() // ID
	uid = d.str()
	if d.err != nil {
		return "", false
	}
	return strings.Clone(uid), true
}

// RuleIDByUID returns the id of the rule whose source's own identifier is
// uid (case-insensitive), or ErrNotFound.
func (d *DB) RuleIDByUID(ctx context.Context, uid string) (string, error) {
	keys, err := d.ruleKeys(ctx)
	if err != nil {
		return "", err
	}
	uid = strings.TrimSpace(uid)
	for _, k := range keys {
		if k.uid != "" && strings.EqualFold(k.uid, uid) {
			return k.id, nil
		}
	}
	return "", ErrNotFound
}

// maxSuggestKey bounds the length of a name Suggest compares (the edit
// distance costs its length times an id's).
const maxSuggestKey = 200

// Suggest returns at most n rules whose id or uid is within a few edits of
// name (case-insensitive; 1 edit for every 8 characters, at least 1, at
// most 4), nearest first. A name without '/' is also compared with the
// part of each id after its platform ("whoami" finds "sigma/whoami"); a
// uid given whole is a suggestion at distance 0.
func (d *DB) Suggest(ctx context.Context, name string, n int) ([]Suggestion, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || len(name) > maxSuggestKey || n <= 0 {
		return nil, nil
	}
	keys, err := d.ruleKeys(ctx)
	if err != nil {
		return nil, err
	}
	bound := min(max(len(name)/8, 1), 4)
	var out []Suggestion
	for _, k := range keys {
		best, by := bound+1, ""
		id := strings.ToLower(k.id)
		if e := editDistance(name, id, bound); e < best {
			best, by = e, "id"
		}
		if _, slug, ok := strings.Cut(id, "/"); ok && !strings.Contains(name, "/") {
			if e := editDistance(name, slug, bound); e < best {
				best, by = e, "id"
			}
		}
		if k.uid != "" {
			if e := editDistance(name, strings.ToLower(k.uid), bound); e < best {
				best, by = e, "uid"
			}
		}
		if by != "" {
			out = append(out, Suggestion{ID: k.id, Title: k.title, By: by, Distance: best})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Distance < out[j].Distance })
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// editDistance returns the Levenshtein distance of a and b (bytes), or
// bound+1 as soon as it is sure to be more than bound.
func editDistance(a, b string, bound int) int {
	if d := len(a) - len(b); d > bound || -d > bound {
		return bound + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > bound {
			return bound + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
