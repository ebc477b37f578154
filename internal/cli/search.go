package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/store"
)

func init() {
	register(&Command{
		Name:  "search",
		Usage: "[--db FILE] [--facet KEY=VALUE]... [--page N] [--per-page N] [--json] QUERY...",
		Summary: "search a built catalog: words, \"phrases\", -not, prefix*, OR, title:word; " +
			"facets " + strings.Join(store.Facets, ", "),
		Run: runSearch,
	})
}

// facetFlags collects repeated --facet KEY=VALUE.
type facetFlags map[string][]string

// String lists the filter as key=value pairs, keys in order.
func (f facetFlags) String() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range f[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

func (f facetFlags) Set(s string) error {
	m, err := store.ParseFacets([]string{s})
	if err != nil {
		return err
	}
	for k, vs := range m {
		f[k] = append(f[k], vs...)
	}
	return nil
}

func runSearch(env *Env, fs *flag.FlagSet, args []string) error {
	db := fs.String("db", "ruledex.db", "catalog `FILE` to search")
	facets := facetFlags{}
	fs.Var(facets, "facet", "keep rules with this facet value `KEY=VALUE` (repeatable; values of one key are ORed)")
	page := fs.Int("page", 1, "`N`th page of results")
	perPage := fs.Int("per-page", 20, "`N` results per page")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noStdio("--db", *db, "a catalog (a SQLite file)"); err != nil {
		return err
	}
	d, err := store.Open(*db)
	if err != nil {
		return err
	}
	defer d.Close()
	q := store.Query{Text: strings.Join(args, " "), Facets: facets, Page: *page, PerPage: *perPage}
	if len(facets) == 0 {
		q.Facets = nil
	}
	res, err := d.Search(env.Ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	writeResult(env.Stdout, res, isTerminal(env.Stdout))
	return nil
}

// writeResult prints a page of search results for a terminal (bold matches)
// or a pipe (matches in [brackets]).
func writeResult(w io.Writer, res store.Result, tty bool) {
	first := (res.Page-1)*res.PerPage + 1
	if res.Total == 0 {
		fmt.Fprintln(w, "no rule found")
	} else if len(res.Hits) == 0 {
		fmt.Fprintf(w, "%d rules found; page %d is past the end\n", res.Total, res.Page)
	} else {
		fmt.Fprintf(w, "%d rules found; %d-%d:\n", res.Total, first, first+len(res.Hits)-1)
	}
	open, closing := "[", "]"
	if tty {
		open, closing = "\033[1m", "\033[0m"
	}
	for i, h := range res.Hits {
		fmt.Fprintf(w, "\n%3d. %s\n     %s  (%s, %s)  %s/%s", first+i, termLine(h.Title), termLine(h.ID), termLine(h.Platform), termLine(h.Kind), termLine(h.Repo), termLine(h.Path))
		if h.Line > 0 {
			fmt.Fprintf(w, ":%d", h.Line)
		}
		fmt.Fprintln(w)
		if h.Snippet != "" {
			// The snippet is rule text: each part escaped for the terminal,
			// the marks between them made (trusted) bold sequences.
			var b strings.Builder
			for j, part := range strings.Split(h.Snippet, "<mark>") {
				if j > 0 {
					b.WriteString(open)
				}
				marked, rest, ok := strings.Cut(part, "</mark>")
				b.WriteString(termLine(html.UnescapeString(marked)))
				if ok {
					b.WriteString(closing)
					b.WriteString(termLine(html.UnescapeString(rest)))
				}
			}
			fmt.Fprintf(w, "     %s\n", b.String())
		}
		if len(h.Matched) > 0 {
			fmt.Fprintf(w, "     matched in: %s\n", termLine(strings.Join(h.Matched, ", ")))
		}
	}
	if res.Total == 0 {
		return
	}
	fmt.Fprintln(w)
	keys := make([]string, 0, len(res.Facets))
	for k, cs := range res.Facets {
		if len(cs) > 0 {
			keys = append(keys, k)
		}
	}
	order := map[string]int{}
	for i, f := range store.Facets {
		order[f] = i
	}
	sort.Slice(keys, func(i, j int) bool { return order[keys[i]] < order[keys[j]] })
	for _, k := range keys {
		cs := res.Facets[k]
		var parts []string
		for i, c := range cs {
			if i == 8 {
				parts = append(parts, "…")
				break
			}
			parts = append(parts, fmt.Sprintf("%s %d", c.Value, c.Count))
		}
		fmt.Fprintf(w, "%-10s %s\n", k+":", strings.Join(parts, ", "))
	}
}
