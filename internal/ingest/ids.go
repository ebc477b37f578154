package ingest

import (
	"fmt"
	"path"
	"strings"
	"unicode"

	"github.com/ruledex/ruledex/internal/rule"
)

// Slug turns s into the part of a rule id after the platform: letters,
// digits, '-', '_' and '.' kept, every other run of characters one '-'.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-.")
}

// BaseID returns the id a rule would have alone: platform/slug, the slug taken
// from the id its source gave, else from its file's name, with the variant or
// the rule's index when its file holds several rules. index and count are
// its place among its file's rules. Rules whose base ids are the ones of a
// build before, in the same order, get the ids they got then (IDs.Assign).
func BaseID(r *rule.Rule, index, count int) string {
	if r.ID != "" {
		if strings.Contains(r.ID, "/") {
			return r.ID
		}
		return r.Platform + "/" + Slug(r.ID)
	}
	name := path.Base(r.Source.Path)
	name = strings.TrimSuffix(name, path.Ext(name))
	slug := Slug(name)
	if slug == "" {
		slug = "rule"
	}
	if count > 1 {
		switch {
		case index == 0:
		case r.Variant != "" && Slug(r.Variant) != "":
			slug += "--" + strings.ToLower(Slug(r.Variant))
		default:
			slug += fmt.Sprintf("--%d", index+1)
		}
	}
	platform := r.Platform
	if platform == "" {
		platform = "unknown"
	}
	return platform + "/" + slug
}

// AssignIDs gives every rule of results an id unique among them. The first
// rule to claim an id keeps it; later ones get the repository's name and then
// a number appended. The order of results makes the choice stable.
func AssignIDs(results []FileResult) {
	var ids IDs
	ids.Assign(results)
}

// IDs gives rules their ids as AssignIDs does, over results given in
// several calls (a build that reads one repository at a time): the ids
// taken by the rules of earlier calls are taken. The zero value is ready.
type IDs struct{ seen map[string]bool }

// Assign gives the rules of results their ids (see AssignIDs).
func (a *IDs) Assign(results []FileResult) {
	if a.seen == nil {
		a.seen = map[string]bool{}
	}
	seen := a.seen
	for i := range results {
		rs := results[i].Rules
		for j, r := range rs {
			id := BaseID(r, j, len(rs))
			if seen[strings.ToLower(id)] {
				alt := id + "--" + Slug(r.Source.Repo)
				for n := 2; seen[strings.ToLower(alt)]; n++ {
					alt = fmt.Sprintf("%s--%s-%d", id, Slug(r.Source.Repo), n)
				}
				id = alt
			}
			seen[strings.ToLower(id)] = true
			r.ID = id
		}
	}
}

func sprint(v any) string { return fmt.Sprint(v) }
