package web

import (
	"html"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/rule"
)

var tagStrip = regexp.MustCompile(`<[^>]*>`)

// plainOf turns highlighted HTML back into the text it shows.
func plainOf(h string) string { return html.UnescapeString(tagStrip.ReplaceAllString(h, "")) }

func TestHighlight(t *testing.T) {
	tests := []struct {
		name, lang, src string
		want            []string // fragments of the HTML
	}{
		{"kql pipe and keyword", "kql", "T | where x == 1", []string{`<span class="p">|</span>`, `<span class="k">where</span>`, `<span class="o">==</span>`, `<span class="n">1</span>`}},
		{"kql string and comment", "kql", "T // note\n| where a has 'b'", []string{`<span class="c">// note</span>`, `<span class="s">&#39;b&#39;</span>`, `<span class="o">has</span>`}},
		{"kql function", "kql", "T | extend y = tostring(x)", []string{`<span class="f">tostring</span>`, `<span class="k">extend</span>`}},
		{"kql hyphenated", "kql", "T | mv-expand x | project-away y", []string{`<span class="k">mv-expand</span>`, `<span class="k">project-away</span>`}},
		{"kql verbatim and multi-line", "kql", "T | where p == @'C:\\x' and q == ```a\nb```", []string{`<span class="s">@&#39;C:\x&#39;</span>`, `<span class="s">`}},
		{"kql timespan", "kql", "T | where TimeGenerated > ago(14d)", []string{`<span class="n">14d</span>`}},
		{"kql negated op", "kql", "T | where a !has 'x' and b !in ('y')", []string{`<span class="o">!has</span>`, `<span class="o">!in</span>`}},
		{"sigma key and modifier", "sigma", "detection:\n    sel:\n        Image|endswith: '\\x.exe'\n    condition: sel and not 1 of filter_*\n", []string{`<span class="k">Image</span><span class="m">|endswith</span>`, `<span class="s">&#39;\x.exe&#39;</span>`, `<span class="o">and</span>`, `<span class="o">not</span>`, `<span class="f">filter_*</span>`}},
		{"sigma list and comment", "sigma", "tags:\n    - attack.t1105 # c\nlevel: high\n", []string{`<span class="p">-</span>`, `<span class="c"># c</span>`, `<span class="s">high</span>`}},
		{"sigma block scalar", "sigma", "description: |\n    a: b\n    c\nlevel: 1\n", []string{`<span class="p">|</span>`, `<span class="n">1</span>`}},
		{"generic", "text", "index=x | stats count by host # hi", []string{`<span class="p">|</span>`, `<span class="c"># hi</span>`}},
		{"escape", "kql", `T | where x == "<script>"`, []string{`&lt;script&gt;`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := string(Highlight(tt.lang, tt.src, 1))
			for _, w := range tt.want {
				if !strings.Contains(h, w) {
					t.Errorf("lacks %s\n%s", w, h)
				}
			}
			if got := plainOf(h); got != tt.src {
				t.Errorf("text changed:\n got %q\nwant %q", got, tt.src)
			}
			if strings.Contains(h, "<script") {
				t.Error("live script")
			}
		})
	}
}

func TestHighlightLines(t *testing.T) {
	h := string(Highlight("kql", "a\n| where b\n", 32))
	for _, w := range []string{`id="L32" data-n="32"`, `id="L33"`, `id="L34"`} {
		if !strings.Contains(h, w) {
			t.Errorf("lacks %s: %s", w, h)
		}
	}
	// A string over two lines closes its span at the line end and reopens it.
	h = string(Highlight("kql", "T | where x == ```a\nb```", 1))
	if strings.Count(h, `<span class="s">`) != 2 {
		t.Errorf("multi-line string: %s", h)
	}
}

func TestSeg(t *testing.T) {
	long := strings.Repeat("Ab/", 100)
	for _, s := range []string{"", ".", "..", "...", "a", "Microsoft.Compute/virtualMachines/runCommand/action", "windows//process_creation",
		"~x~", "a b", "<script>", "ü", "C:\\Windows\\x.exe", long, strings.Repeat("é", 200)} {
		seg := Seg(s)
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "/\\?#% ") {
			t.Errorf("Seg(%q) = %q", s, seg)
		}
		got, hashed, ok := Unseg(seg)
		if !ok {
			t.Errorf("Unseg(%q) failed", seg)
			continue
		}
		if len(seg) > maxSeg+20 {
			t.Errorf("Seg(%q) too long: %d", s, len(seg))
		}
		if hashed {
			if !strings.HasPrefix(s, got) {
				t.Errorf("Unseg(Seg(%q)) prefix %q", s, got)
			}
			continue
		}
		if got != s {
			t.Errorf("Unseg(Seg(%q)) = %q", s, got)
		}
	}
	if id, ok := UnIDPath(IDPath("kusto/A B/c")); !ok || id != "kusto/A B/c" {
		t.Errorf("id path round trip: %q", id)
	}
	for _, bad := range []string{"~", "~Z1", "a~2", "~~"} {
		if _, hashed, ok := Unseg(bad); ok && !hashed && bad != "~" {
			t.Errorf("Unseg(%q) accepted", bad)
		}
	}
}

func FuzzHighlight(f *testing.F) {
	for _, s := range []string{"T | where x == 1", "a: b\n  - 'c'\ncondition: a and not b", "```", "@'", "h\"x", "x|y: |\n  z", "- - -", "'unterminated\n"} {
		f.Add("kql", s)
		f.Add("sigma", s)
		f.Add("spl", s)
		f.Add("yaral", s)
	}
	f.Fuzz(func(t *testing.T, lang, src string) {
		if !utf8.ValidString(src) {
			return
		}
		h := string(Highlight(lang, src, 1))
		if got := plainOf(h); got != strings.ReplaceAll(src, "\x00", "\uFFFD") {
			t.Fatalf("text changed:\n got %q\nwant %q", got, src)
		}
		if strings.Count(h, "<span") != strings.Count(h, "</span>") {
			t.Fatal("unbalanced spans")
		}
	})
}

func FuzzSeg(f *testing.F) {
	for _, s := range []string{"", "..", "a/b", "~", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seg := Seg(s)
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "/\\?#% ") {
			t.Fatalf("Seg(%q) = %q", s, seg)
		}
		got, hashed, ok := Unseg(seg)
		if !ok || !hashed && got != s || hashed && !strings.HasPrefix(s, got) {
			t.Fatalf("round trip %q → %q → %q %v %v", s, seg, got, hashed, ok)
		}
	})
}

// FuzzRulePage renders a rule made of fuzzed text through every part of the
// rule page and checks that the server answers and nothing of the text is live.
func FuzzRulePage(f *testing.F) {
	f.Add("t", "T | where x == 1", "Field", "value", "kql")
	f.Add(hostileScript, hostileImg, hostileJS, "<b>", "sigma")
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, title, query, field, value, lang string) {
		for _, s := range []string{title, query, field, value, lang} {
			if !utf8.ValidString(s) {
				return
			}
		}
		r := hostileRule()
		r.ID = "kusto/fuzz"
		r.Title, r.Query, r.Language, r.Description = title, query, lang, value
		r.Indicators = []rule.Indicator{{Field: field, Kind: "eq", Values: []string{value}}}
		r.Stages[0].Predicates = []rule.Predicate{{Field: field, Kind: "eq", Values: []string{value}}}
		r.References = []string{value, field}
		r.Source.URL = value
		s, err := New(catalogOf(t, []*rule.Rule{r}))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{RulePath(r.ID), "/search?q=" + queryEscape(value), IndicatorPath(field, "eq", value)} {
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path = strings.SplitN(p, "?", 2)[0]
			if i := strings.IndexByte(p, '?'); i >= 0 {
				req.URL.RawQuery = p[i+1:]
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("%s: %d", p, w.Code)
			}
			checkInert(t, p, w.Body.String())
		}
	})
}

// TestIDPathPlain: an id whose every segment needs no encoding is its own
// path, and any other id's path is its segments' Seg, joined.
func TestIDPathPlain(t *testing.T) {
	for _, id := range []string{"kusto/Detect_x-1.2", "sigma/a/b", "kusto/A B/c", "kusto//x", "kusto/./x", "kusto/../x", "/x", "x/", "",
		"sigma/" + strings.Repeat("a", maxSeg), "sigma/" + strings.Repeat("a", maxSeg+1), "kusto/ü", "kusto/~x"} {
		parts := strings.Split(id, "/")
		for i, p := range parts {
			parts[i] = Seg(p)
		}
		if got, want := IDPath(id), strings.Join(parts, "/"); got != want {
			t.Errorf("IDPath(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestEscapeTo checks escapeTo against a replacer of the six bytes it
// escapes, on every byte alone and among text.
func TestEscapeTo(t *testing.T) {
	ref := strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;", `"`, "&#34;", "'", "&#39;", "\x00", "\uFFFD")
	var ins []string
	for c := range 256 {
		ins = append(ins, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"é<b>")
	}
	ins = append(ins, "", "plain text", `<a href="x">'&'</a>`, "\x00\x00", "ü<>&\"'")
	for _, in := range ins {
		var b strings.Builder
		escapeTo(&b, in)
		if want := ref.Replace(in); b.String() != want {
			t.Errorf("escapeTo(%q) = %q, want %q", in, b.String(), want)
		}
	}
}
