package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Sorts are the orders a search or browse may ask for (Query.Sort): title
// (the default for a browse, A to Z), date (newest first: the rule's
// modified date, else its date), severity (critical first) and platform
// (A to Z); each then by title. A search with text is by relevance unless
// a sort is asked for.
var Sorts = []string{"title", "date", "severity", "platform"}

// IsSort tells whether s is one of Sorts ("" is none).
func IsSort(s string) bool { return s == "" || slices.Contains(Sorts, s) }

// sortOrders keeps the rules in each order of Sorts, made on first use.
type sortOrders struct {
	mu   sync.Mutex
	rank map[string]map[int64]int // sort → rule → its place
}

// severityRank orders the severities rules state (any case); others after.
var severityRank = map[string]int{"critical": 0, "high": 1, "medium": 2, "low": 3, "informational": 4, "info": 4}

var dateRE = regexp.MustCompile(`(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})`)

// dateKey returns a rule's date as YYYY-MM-DD ("" when it states none).
func dateKey(s string) string {
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	pad := func(x string) string {
		if len(x) == 1 {
			return "0" + x
		}
		return x
	}
	return m[1] + "-" + pad(m[2]) + "-" + pad(m[3])
}

// sortRank returns each rule's place in the order sort, after the order of
// titles ix.order.
func (d *DB) sortRank(ctx context.Context, ix *index, sort string) (map[int64]int, error) {
	so := &d.sorts
	so.mu.Lock()
	defer so.mu.Unlock()
	if so.rank == nil {
		so.rank = map[string]map[int64]int{}
	}
	if r, ok := so.rank[sort]; ok {
		return r, nil
	}
	type row struct {
		n        int64
		key      string
		sev      int
		titleIdx int
	}
	title := make(map[int64]int, len(ix.order))
	for i, n := range ix.order {
		title[n] = i
	}
	var rows []row
	switch sort {
	case "platform", "severity":
		q, err := d.db.QueryContext(ctx, `SELECT n, platform, severity FROM rules`)
		if err != nil {
			return nil, err
		}
		for q.Next() {
			var r row
			var plat, sev string
			if err := q.Scan(&r.n, &plat, &sev); err != nil {
				q.Close()
				return nil, err
			}
			r.key = strings.ToLower(plat)
			r.sev = len(severityRank)
			if k, ok := severityRank[strings.ToLower(strings.TrimSpace(sev))]; ok {
				r.sev = k
			}
			r.titleIdx = title[r.n]
			rows = append(rows, r)
		}
		q.Close()
		if err := q.Err(); err != nil {
			return nil, err
		}
	case "date":
		q, err := d.db.QueryContext(ctx, `SELECT n, body FROM rules`)
		if err != nil {
			return nil, err
		}
		for q.Next() {
			var r row
			var body string
			if err := q.Scan(&r.n, &body); err != nil {
				q.Close()
				return nil, err
			}
			date, modified, err := ruleDates(body)
			if err != nil {
				q.Close()
				return nil, fmt.Errorf("rule %d: %w", r.n, err)
			}
			if r.key = dateKey(modified); r.key == "" {
				r.key = dateKey(date)
			}
			r.titleIdx = title[r.n]
			rows = append(rows, r)
		}
		q.Close()
		if err := q.Err(); err != nil {
			return nil, err
		}
	case "title", "":
		rank := make(map[int64]int, len(ix.order))
		for i, n := range ix.order {
			rank[n] = i
		}
		so.rank[sort] = rank
		return rank, nil
	default:
		return nil, fmt.Errorf("unknown sort %q (sorts: %s)", sort, strings.Join(Sorts, ", "))
	}
	slices.SortFunc(rows, func(a, b row) int {
		switch sort {
		case "date": // newest first, undated last
			if a.key != b.key {
				switch {
				case a.key == "":
					return 1
				case b.key == "":
					return -1
				}
				return strings.Compare(b.key, a.key)
			}
		case "severity":
			if a.sev != b.sev {
				return a.sev - b.sev
			}
		case "platform":
			if c := strings.Compare(a.key, b.key); c != 0 {
				return c
			}
		}
		return a.titleIdx - b.titleIdx
	})
	rank := make(map[int64]int, len(rows))
	for i, r := range rows {
		rank[r.n] = i
	}
	so.rank[sort] = rank
	return rank, nil
}

// sortBy returns ns in the order sort (a copy).
func (d *DB) sortBy(ctx context.Context, ix *index, ns []int64, sort string) ([]int64, error) {
	rank, err := d.sortRank(ctx, ix, sort)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(ns)
	slices.SortStableFunc(out, func(a, b int64) int { return rank[a] - rank[b] })
	return out, nil
}

// ruleDates returns the date and modified date of an encoded rule without
// decoding the rest (the order of decodeRule).
func ruleDates(s string) (date, modified string, err error) {
	if !isBody(s) {
		return "", "", fmt.Errorf("%w: not a rule of codec version %d", errCorrupt, codecVersion)
	}
	d := decoder{s: s, p: 1}
	d.skip(10) // ID, UID, Name, Platform, Product, Language, Format, Variant, Title, Description
	d.skip(2)  // Source.Repo, Source.Path
	d.int()    // Source.Line
	d.skip(4)  // Source.URL, Kind, Status, Severity
	d.skipStrs()
	date = d.str()
	modified = d.str()
	return date, modified, d.err
}
