package web

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/store"
)

// The export's search (static/search.js) runs the server's search in the
// browser over files made here from the store's own index, so that it finds
// the same rules for the same text and facets:
//
//	search/index.js     the rules (id, title, platform), by title; the term
//	                    shards there are; the action keys
//	search/t/KEY.js     the terms of the full-text index whose first two bytes
//	                    are KEY (hex), each with its places: rule, column,
//	                    positions (for phrases)
//	search/f/FACET.js   a facet's values (lower-cased), each with its rules
//	search/x/N.js       the description and query text of rules 256N to
//	                    256N+255, which snippets are cut from
//
// Each is a script that hands its data to search.js (a script, not JSON to
// fetch, so that the site works from disk too); search.js loads the shards a
// search needs and no others.

// staticTextShard is the number of rules in a search/x/ file.
const staticTextShard = 256

// Snippet texts are cut to these many bytes: a match past them shows the
// text's start.
const (
	staticDescMax  = 400
	staticQueryMax = 2000
)

// staticIndex is the search/index.js data.
type staticIndex struct {
	Cols    []string   `json:"cols"`
	Docs    [][]string `json:"docs"`    // id, title, platform[, href when not rules/ID/index.html]
	Shards  []string   `json:"shards"`  // keys of search/t/ files
	Facets  []string   `json:"facets"`  // names of search/f/ files
	Actions [][]any    `json:"actions"` // space, value, match, doc
	TextN   int        `json:"textn"`   // rules per search/x/ file
}

// staticSearchFiles makes the files of the export's search and hands each
// to put (site path, content) as soon as it is whole: the term shards come
// in the index's order (a shard's terms are together, as they share their
// first bytes), the facets one by one, the snippet texts in the rules'
// order, so that only the shard being made and search/index.js (the rules'
// ids and titles, written last) are held, not the whole index. put may keep
// data.
func staticSearchFiles(ctx context.Context, cat Catalog, put func(path string, data []byte) error) error {
	sc, ok := cat.(interface{ DB() *store.DB })
	if !ok {
		return fmt.Errorf("the static search needs a catalog in a store")
	}
	db := sc.DB()
	rules, err := db.StaticRules(ctx)
	if err != nil {
		return err
	}
	doc := make(map[int64]int, len(rules))
	idx := staticIndex{Cols: store.SearchColumns, Docs: make([][]string, len(rules)), TextN: staticTextShard}
	for i, r := range rules {
		doc[r.N] = i
		d := []string{r.ID, r.Title, r.Platform}
		if h := "rules/" + IDPath(r.ID) + "/index.html"; h != "rules/"+r.ID+"/index.html" {
			d = append(d, h)
		}
		idx.Docs[i] = d
	}
	// Terms, by shard: a shard is written when the first term of the next
	// comes (the index lists terms in byte order).
	var (
		shard    *bytes.Buffer
		shardKey string
	)
	endShard := func() error {
		if shard == nil {
			return nil
		}
		shard.WriteString("});\n")
		idx.Shards = append(idx.Shards, shardKey)
		err := put("/search/t/"+shardKey+".js", shard.Bytes())
		shard = nil
		return err
	}
	type docPlaces struct {
		doc    int
		places []store.TermPlace
	}
	var byDoc []docPlaces
	err = db.EachSearchTerm(ctx, func(term string, places []store.TermPlace) error {
		byDoc = byDoc[:0]
		for _, p := range places {
			d, ok := doc[p.Rule]
			if !ok {
				continue
			}
			if n := len(byDoc); n > 0 && byDoc[n-1].doc == d {
				byDoc[n-1].places = append(byDoc[n-1].places, p)
			} else {
				byDoc = append(byDoc, docPlaces{d, []store.TermPlace{p}})
			}
		}
		if len(byDoc) == 0 {
			return nil
		}
		slices.SortFunc(byDoc, func(a, b docPlaces) int { return a.doc - b.doc })
		key := termShard(term)
		if shard != nil && key != shardKey {
			if key < shardKey {
				return fmt.Errorf("search terms out of order: %q after shard %s", term, shardKey)
			}
			if err := endShard(); err != nil {
				return err
			}
		}
		b := shard
		if b == nil {
			b = new(bytes.Buffer)
			shard, shardKey = b, key
			b.WriteString("RULEDEX_SEARCH.terms(" + strconv.Quote(key) + ",{")
		} else {
			b.WriteByte(',')
		}
		writeJSString(b, term)
		b.WriteString(`:"`)
		// doc delta (base 36), then per column an upper-case letter and
		// the positions' deltas (base 36) separated by commas; docs
		// separated by ';'.
		prev := 0
		for i, d := range byDoc {
			if i > 0 {
				b.WriteByte(';')
			}
			b.WriteString(strconv.FormatInt(int64(d.doc-prev), 36))
			prev = d.doc
			for _, p := range d.places {
				b.WriteByte(byte('A' + p.Column))
				last := 0
				for j, pos := range p.Pos {
					if j > 0 {
						b.WriteByte(',')
					}
					b.WriteString(strconv.FormatInt(int64(pos-last), 36))
					last = pos
				}
			}
		}
		b.WriteByte('"')
		return nil
	})
	if err != nil {
		return err
	}
	if err := endShard(); err != nil {
		return err
	}
	sort.Strings(idx.Shards)

	// Facets: value (lower-cased) → docs, ascending; each facet written
	// once its rows are read (they come by facet).
	var (
		facet string
		m     map[string][]int
	)
	endFacet := func() error {
		if m == nil {
			return nil
		}
		var b bytes.Buffer
		b.WriteString("RULEDEX_SEARCH.facet(" + strconv.Quote(facet) + ",{")
		vals := make([]string, 0, len(m))
		for v := range m {
			vals = append(vals, v)
		}
		sort.Strings(vals)
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSString(&b, v)
			b.WriteString(`:"`)
			ds := m[v]
			slices.Sort(ds)
			ds = slices.Compact(ds)
			prev := 0
			for j, d := range ds {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatInt(int64(d-prev), 36))
				prev = d
			}
			b.WriteByte('"')
		}
		b.WriteString("});\n")
		idx.Facets = append(idx.Facets, facet)
		m = nil
		return put("/search/f/"+Seg(facet)+".js", b.Bytes())
	}
	err = db.EachFacet(ctx, func(f, value string, n int64) error {
		d, ok := doc[n]
		if !ok {
			return nil
		}
		if m != nil && f != facet {
			if err := endFacet(); err != nil {
				return err
			}
		}
		if m == nil {
			facet, m = f, map[string][]int{}
		}
		v := strings.ToLower(value)
		m[v] = append(m[v], d)
		return nil
	})
	if err != nil {
		return err
	}
	if err := endFacet(); err != nil {
		return err
	}
	sort.Strings(idx.Facets)

	// Actions.
	keys, err := db.ActionKeys(ctx)
	if err != nil {
		return err
	}
	idx.Actions = [][]any{}
	for _, k := range keys {
		if d, ok := doc[k.Rule]; ok {
			idx.Actions = append(idx.Actions, []any{k.Space, k.Value, k.Match, d})
		}
	}

	// Snippet texts, in the rules' order (EachRuleText's), a file each
	// staticTextShard rules.
	texts := make([][2]string, 0, staticTextShard)
	endTexts := func(n int) error {
		b, err := json.Marshal(texts) // escapes <, > and &: the script cannot be closed early
		if err != nil {
			return err
		}
		texts = texts[:0]
		return put("/search/x/"+strconv.Itoa(n)+".js", []byte("RULEDEX_SEARCH.text("+strconv.Itoa(n)+","+string(b)+");\n"))
	}
	next := 0
	err = db.EachRuleText(ctx, func(n int64, desc, query string) error {
		if next >= len(rules) || rules[next].N != n {
			return fmt.Errorf("rule texts out of the rules' order at rule %d", n)
		}
		texts = append(texts, [2]string{cutUTF8(desc, staticDescMax), cutUTF8(query, staticQueryMax)})
		next++
		if len(texts) == staticTextShard {
			return endTexts(next/staticTextShard - 1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if next != len(rules) {
		return fmt.Errorf("rule texts: %d of %d rules", next, len(rules))
	}
	if len(texts) > 0 {
		if err := endTexts(next / staticTextShard); err != nil {
			return err
		}
	}

	b, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	return put("/search/index.js", []byte("RULEDEX_SEARCH.index("+string(b)+");\n"))
}

// termShard is the shard of a term: its first two bytes, in hex.
func termShard(term string) string {
	if len(term) > 2 {
		term = term[:2]
	}
	return hex.EncodeToString([]byte(term))
}

// writeJSString writes s as a JSON string that cannot end a script (<, >
// and & escaped).
func writeJSString(b *bytes.Buffer, s string) {
	j, _ := json.Marshal(s)
	b.Write(j)
}

// cutUTF8 cuts s to at most n bytes, at a character's start.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s[max(0, len(s)-utf8.UTFMax):]) {
		s = s[:len(s)-1]
	}
	return s
}
