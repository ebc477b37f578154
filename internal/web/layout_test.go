package web

import (
	"bytes"
	"strings"
	"testing"
)

// TestLayout: the layout's pieces around a page's escaped title and crumbs,
// per depth in the export.
func TestLayout(t *testing.T) {
	s, err := New(testCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	pg := Page{Path: "/x/", Title: `<script>alert(1)</script> & "q"`, Version: "v1",
		Crumbs: []Crumb{{"<b>bold</b>", "javascript:alert(1)"}, {"Rules", "/rules/?f=a:b&page=2"}, {"last", ""}}}
	var b bytes.Buffer
	if err := s.render(&b, "error", &errorData{Page: pg, Status: 404, Message: "gone"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"<!doctype html>", `<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;q&#34; · ruledex</title>`,
		`<nav class="crumbs" aria-label="Breadcrumb"><span>&lt;b&gt;bold&lt;/b&gt;</span><span class="sep" aria-hidden="true">›</span><a href="/rules/?f=a:b&amp;page=2">Rules</a><span class="sep" aria-hidden="true">›</span><span>last</span></nav>`,
		`<main id="main">`, "gone", "catalog v1", `href="/static/style.css?v=`, "</html>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "javascript:") || strings.Contains(out, "RULEDEXLAYOUT") {
		t.Errorf("javascript: link or marker left:\n%s", out)
	}
	// In the export, links depend on the depth.
	b.Reset()
	sp := newStaticPage("/rules/kusto/x/", "v2")
	if err := s.render(&b, "error", &errorData{Page: sp, Status: 404}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, `href="../../../static/style.css"`) || !strings.Contains(out, `href="../../../rules/index.html"`) || !strings.Contains(out, "catalog v2") {
		t.Errorf("export page links:\n%s", out)
	}
}
