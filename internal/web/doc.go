// Package web publishes a rule catalog as a website, a JSON API and a static
// export of the same pages. Handlers read through the Catalog interface only;
// StoreCatalog implements it over a catalog built into SQLite (package
// build writes it, package store reads it): `serve --db`, `serve FOLDER` and
// the embedded examples (built into a temporary catalog) and the tests
// (build/buildtest) all read through it, so every face has one search
// engine and one definition of a rule's facets (the store's). Templates
// (templates/*.html) and assets (static/) are embedded; no route reads
// anything else.
//
// Use:
//
//	cat, err := web.OpenStore("ruledex.db")
//	srv, err := web.New(cat)
//	http.ListenAndServe(addr, srv)
//	sum, err := web.Export(ctx, cat, "site", web.ExportOptions{})
//
// Pages (every name in a path is encoded by Seg; rule ids by IDPath):
//
//	/                                   home: what the catalog holds, search box
//	/rules/?f=key:value&page=N          browse, facets (alert feeds left out)
//	/rules/{platform}/{slug}/           rule page, sections in DESIGN.md's order
//	/search?q=TEXT&f=key:value          search with highlighted snippets and facet counts
//	/attack/  /attack/{T1059}/          ATT&CK matrix; technique page with rules by platform
//	/tables/  /tables/{name}/           tables and Sigma log sources
//	/events/  /events/{provider}/{event}/
//	/indicators/  /fields/{field}/  /indicators/{field}/{kind}/{value}/
//	/repos/  /repos/{name}/  /by/{facet}/  /by/{facet}/{value}/
//
// JSON API (errors as {"error": ...} with the status; ETag and If-None-Match
// on every response):
//
//	/api/v1/  /api/v1/stats  /api/v1/rules?facet=k:v  /api/v1/rules/{id}  (the contract: json.Marshal of rule.Rule)
//	/api/v1/search?q=&facet=k:v&page=&per_page=  /api/v1/indicators?field=&kind=&q=[&value=]
//	/api/v1/actions?value=V  /api/v1/repos/{name}  /api/v1/tables/{name}/fields
//	/api/v1/coverage  /api/v1/navigator
//
// A query string that does not parse is a 400. Pages are valid UTF-8 whatever
// bytes a rule file or a URL holds. A catalog does not change under a
// server (a build that writes over it in place: `serve --db` opens it anew
// within its watch interval), so pages are kept once made: every rule page (by URL, 128 MB, a
// random one dropped when full: the corpus's take 115 MB) and the other
// pages that took more than 2 ms to make (32 MB, least recently used
// dropped). A StoreCatalog keeps its rules decoded (read when it opens,
// 128 MB, least recently used dropped beyond), its statistics and its
// ATT&CK matrix; it answers every question from the store.
// The layout around every page is made once per depth of page (layouts).
//
// The export renders on as many goroutines as processors and writes on
// others, so that making folders and files (kernel time, as long as the
// rendering) overlaps the rendering.
//
// Every response carries a Content-Security-Policy without inline script
// (default-src 'self'), X-Content-Type-Options: nosniff and X-Frame-Options.
// Rule text is untrusted: the templates escape it, links from rule text are
// kept only when they are http(s), and class names made from it are filtered.
package web
