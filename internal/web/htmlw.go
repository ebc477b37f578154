package web

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// The rule page's most repeated parts (stages with their predicates and
// values, indicator values, lists of terms) are written here in Go instead of
// the template: html/template calls its escapers through reflection for every
// action, which made them most of a page's time. Every piece of rule text
// goes through text or attr, which escape it; only literal markup goes
// through raw. The security test renders a rule whose every text is markup.

// htmlw builds HTML: in b, or straight into out when it is set (the rule
// page, written into the response's buffer rather than built apart and
// copied there).
type htmlw struct {
	b   strings.Builder
	out *bytes.Buffer
}

// raw writes trusted markup.
func (w *htmlw) raw(s string) {
	if w.out != nil {
		w.out.WriteString(s)
		return
	}
	w.b.WriteString(s)
}

// text writes s escaped, for element content and double-quoted attributes.
func (w *htmlw) text(s string) {
	if w.out != nil {
		escapeTo(w.out, s)
		return
	}
	escapeTo(&w.b, s)
}

// writer is where w writes.
func (w *htmlw) writer() htmlWriter {
	if w.out != nil {
		return w.out
	}
	return &w.b
}

// grow makes room for n more bytes.
func (w *htmlw) grow(n int) {
	if w.out != nil {
		w.out.Grow(n)
		return
	}
	w.b.Grow(n)
}

// href writes an href attribute with a link the site made (a path of its
// own, or an http(s) URL that safeURL passed), escaped.
func (w *htmlw) href(u string) {
	w.raw(` href="`)
	w.text(u)
	w.raw(`"`)
}

// link writes <a href=u>text</a>, the text in <code> when code is set, or
// only the text when u is "".
func (w *htmlw) link(u, text string, code bool) {
	if u != "" {
		w.raw("<a")
		w.href(u)
		w.raw(">")
	}
	if code {
		w.raw("<code>")
	}
	w.text(text)
	if code {
		w.raw("</code>")
	}
	if u != "" {
		w.raw("</a>")
	}
}

// value writes a matched value escaped, with its leading and trailing
// white space marked, since it is part of the value and invisible otherwise.
func (w *htmlw) value(s string) {
	t := strings.TrimSpace(s)
	if t == s {
		w.text(s)
		return
	}
	i := strings.Index(s, t)
	if t == "" {
		i = len(s)
	}
	if i > 0 {
		w.raw(`<span class="sp" title="white space">`)
		w.text(s[:i])
		w.raw("</span>")
	}
	w.text(t)
	if rest := s[i+len(t):]; rest != "" {
		w.raw(`<span class="sp" title="white space">`)
		w.text(rest)
		w.raw("</span>")
	}
}

// valueLink writes a value in <code>, linked to u unless u is "".
func (w *htmlw) valueLink(u, v string) {
	if u != "" {
		w.raw("<a")
		w.href(u)
		w.raw(">")
	}
	w.raw("<code>")
	w.value(v)
	w.raw("</code>")
	if u != "" {
		w.raw("</a>")
	}
}

// valueHTML is value for templates.
func valueHTML(s string) template.HTML {
	var w htmlw
	w.value(s)
	return w.html()
}

func (w *htmlw) html() template.HTML { return template.HTML(w.b.String()) }

// writeStages renders stages as the nested list of the rule page.
func writeStages(w *htmlw, ss []stageView) {
	w.raw(`<ol class="stages">`)
	for _, st := range ss {
		w.raw(`<li id="`)
		w.text(st.Anchor)
		w.raw(`" class="stage"><div class="sh"><span class="sn">`)
		w.raw(strconv.Itoa(st.N))
		w.raw(`</span> <b>`)
		w.text(st.Kind)
		w.raw(`</b>`)
		if st.Source != "" {
			if st.Kind != "source" {
				w.raw(" ← ")
			} else {
				w.raw(" ")
			}
			w.raw("<code>")
			w.text(st.Source)
			w.raw("</code>")
		}
		if st.TimeWindow != "" {
			w.raw(` <span class="note">time window `)
			w.text(st.TimeWindow)
			w.raw(`</span>`)
		}
		if st.FileLine > 0 {
			n := strconv.Itoa(st.FileLine)
			w.raw(` <a class="line" href="#L` + n + `">line ` + n + `</a>`)
		}
		w.raw("</div>\n")
		if st.Text != "" {
			w.raw(`<pre class="code st"><code>`)
			w.text(st.Text)
			w.raw("</code></pre>\n")
		}
		if len(st.Preds) > 0 {
			w.raw(`<ul class="preds">`)
			for _, p := range st.Preds {
				if p.Negated {
					w.raw(`<li class="neg">`)
				} else {
					w.raw(`<li>`)
				}
				if p.FieldHref != "" {
					w.link(p.FieldHref, p.Field, true)
				} else {
					w.raw(`<span class="sub">any field</span>`)
				}
				w.raw(` <span class="op">`)
				w.text(p.Label)
				w.raw(`</span> `)
				for i, v := range p.Vals {
					if i > 0 {
						w.raw(", ")
					}
					w.valueLink(v.URL, v.Text)
				}
				writeMore(w, p.More, "value", "values")
				w.raw("</li>")
			}
			w.raw("</ul>\n")
		}
		if len(st.Inner) > 0 {
			w.raw(`<div class="inner"><p class="sub">inner pipeline</p>`)
			writeStages(w, st.Inner)
			if st.More > 0 {
				w.raw(`<p class="note more">`)
				writeMore(w, st.More, "inner stage", "inner stages")
				w.raw("</p>")
			}
			w.raw("</div>")
		}
		w.raw("</li>\n")
	}
	w.raw("</ol>")
}

// writeIndicatorValues renders the values of one indicator row with their corpus counts.
func writeIndicatorValues(w *htmlw, vs []indicatorValue) {
	w.raw(`<ul class="vals">`)
	for _, v := range vs {
		w.raw("<li>")
		w.valueLink(v.Href, v.Value)
		if v.Known {
			w.raw(` <span class="n" title="`)
			for i, kv := range v.ByPlatform {
				if i > 0 {
					w.raw(", ")
				}
				w.text(kv.Key)
				w.raw(" " + strconv.Itoa(kv.Count))
			}
			w.raw(`">`)
			if v.Others > 0 {
				if v.Href != "" {
					w.raw("<a")
					w.href(v.Href)
					w.raw(">" + plural(v.Others, "other rule", "other rules") + "</a>")
				} else {
					w.raw(plural(v.Others, "other rule", "other rules"))
				}
				for _, kv := range v.ByPlatform {
					w.raw(" · ")
					w.text(kv.Key)
					w.raw(" " + strconv.Itoa(kv.Count))
				}
			} else {
				w.raw("only this rule")
			}
			w.raw("</span>")
		}
		w.raw("</li>")
	}
	w.raw("</ul>")
}

// writeTags renders links as tags, each text followed by suffix.
func writeTags(w *htmlw, ls []link, suffix string) {
	for _, l := range ls {
		w.raw(`<a class="tag"`)
		w.href(l.URL)
		w.raw(">")
		w.text(l.Text)
		w.raw(suffix)
		w.raw("</a> ")
	}
}

// writeAttackRows renders the rows of the rule page's ATT&CK table.
func writeAttackRows(w *htmlw, d *ruleData) {
	for _, row := range d.Tactics {
		w.raw("<tr><td>")
		w.text(row.Tactic)
		w.raw("</td><td>")
		if len(row.Techniques) == 0 {
			w.raw(`<span class="sub">no technique stated</span>`)
		}
		for i, t := range row.Techniques {
			if i > 0 {
				w.raw("<br>")
			}
			target := t.ID
			if t.RevokedBy != "" {
				target = t.RevokedBy
			}
			w.link(d.TechniqueHref(target), t.ID, true)
			w.raw(" ")
			if t.Unknown {
				w.raw("<em>unknown technique</em>")
			} else {
				w.text(t.Name)
			}
			if t.Revoked {
				w.raw(` <span class="note">revoked`)
				if t.RevokedBy != "" {
					w.raw(", now ")
					w.text(t.RevokedBy)
				}
				w.raw("</span>")
			}
			if t.Deprecated {
				w.raw(` <span class="note">deprecated</span>`)
			}
			if t.StatedAs != "" {
				w.raw(` <span class="note">stated as `)
				w.text(t.StatedAs)
				w.raw("</span>")
			}
		}
		w.raw("</td></tr>\n")
	}
}

// writeIndicatorRows renders the rows of the indicators table.
func writeIndicatorRows(w *htmlw, rows []indicatorRow) {
	for _, row := range rows {
		if row.Negated {
			w.raw(`<tr class="neg"><td>`)
		} else {
			w.raw("<tr><td>")
		}
		w.link(row.FieldHref, row.Field, true)
		w.raw("</td><td>")
		w.text(row.Label)
		w.raw("</td><td>")
		writeIndicatorValues(w, row.Values)
		writeMore(w, row.More, "value", "values")
		w.raw("</td></tr>\n")
	}
}

// writeOutputRows writes the rows of the output fields table.
func writeOutputRows(w *htmlw, os []rule.OutputField) {
	for _, o := range os {
		w.raw("<tr><td><code>")
		w.text(o.Name)
		w.raw("</code></td><td>")
		if o.Stage > 0 {
			n := strconv.Itoa(o.Stage)
			w.raw(`<a href="#stage-` + n + `">`)
			w.text(o.Source)
			w.raw(" (stage " + n + ")</a>")
		} else {
			w.text(o.Source)
		}
		w.raw("</td><td>")
		if o.Expr != "" {
			w.raw(`<code class="wrap">`)
			w.text(o.Expr)
			w.raw("</code>")
		}
		w.raw("</td><td>")
		w.text(o.Entity)
		w.raw("</td></tr>\n")
	}
}

// ruleCells writes the two cells that name a rule in a table: its platform
// (a badge), and its title (its id when it has none) linking href, with
// its file's path under it.
func (w *htmlw) ruleCells(href, platform, id, title, path string) {
	w.raw(`<td><span class="badge p-` + className(platform) + `">`)
	w.text(platform)
	w.raw("</span></td><td>")
	if title == "" {
		title = id
	}
	w.link(href, title, false)
	w.raw(`<div class="sub">`)
	w.text(path)
	w.raw("</div></td>")
}

// writeRefRows writes the rows of a table of rule references.
func writeRefRows(w *htmlw, refs []refView, actions bool) {
	for _, r := range refs {
		w.raw("<tr>")
		w.ruleCells(r.Href, r.Platform, r.ID, r.Title, r.Path)
		if actions {
			w.raw("<td>")
			for i, a := range r.Actions {
				if i > 0 {
					w.raw(", ")
				}
				w.raw("<code>")
				w.text(a)
				w.raw("</code>")
			}
			w.raw("</td>")
		}
		w.raw("</tr>\n")
	}
}

// writeReferenceItems renders the rule's references: links when they are http(s).
func writeReferenceItems(w *htmlw, ls []link) {
	for _, l := range ls {
		w.raw("<li>")
		if l.URL != "" {
			w.raw("<a")
			w.href(l.URL)
			w.raw(` rel="noopener noreferrer">`)
			w.text(l.Text)
			w.raw("</a>")
		} else {
			w.text(l.Text)
		}
		w.raw("</li>\n")
	}
}

// facetListHTML renders the facet groups of a listing's sidebar.
func facetListHTML(gs []FacetGroup) template.HTML {
	var w htmlw
	for _, g := range gs {
		w.raw(`<section class="facet"><h3>`)
		w.text(g.Label)
		w.raw("</h3><ul>")
		for _, v := range g.Values {
			if v.Active {
				w.raw(`<li class="active"><a aria-current="true"`)
			} else {
				w.raw("<li><a")
			}
			w.href(v.Href)
			w.raw(">")
			w.text(v.Label)
			w.raw(`</a> <span class="n">` + fmtInt(v.Count) + "</span></li>")
		}
		if g.More > 0 {
			w.raw(`<li class="more"><a`)
			w.href(g.MoreHref)
			w.raw(">" + fmtInt(g.More) + " more</a></li>")
		}
		w.raw("</ul></section>\n")
	}
	return w.html()
}

// hitsHTML renders a list of rules found, each with its snippet marked.
func hitsHTML(p *Page, hs []Hit) template.HTML {
	var w htmlw
	w.raw(`<ol class="hits">`)
	for _, h := range hs {
		w.raw(`<li class="hit"><a class="title"`)
		w.href(p.RuleHref(h.ID))
		w.raw(">")
		if h.Title != "" {
			w.text(h.Title)
		} else {
			w.text(h.ID)
		}
		w.raw(`</a><div class="meta"><span class="badge p-` + className(h.Platform) + `">`)
		w.text(h.Platform)
		w.raw("</span>")
		if h.Language != "" && h.Language != h.Platform {
			w.raw(` <span class="badge">`)
			w.text(h.Language)
			w.raw("</span>")
		}
		if h.Kind != "" && h.Kind != "detection" {
			w.raw(` <span class="badge">`)
			w.text(h.Kind)
			w.raw("</span>")
		}
		if h.Severity != "" {
			w.raw(` <span class="badge sev-` + className(h.Severity) + `">`)
			w.text(h.Severity)
			w.raw("</span>")
		}
		for _, t := range h.Techniques {
			w.raw(` <a class="tech"`)
			w.href(p.TechniqueHref(t))
			w.raw(">")
			w.text(t)
			w.raw("</a>")
		}
		w.raw(` <span class="path">`)
		w.text(h.Repo)
		w.raw(": ")
		w.text(h.Path)
		w.raw("</span></div>")
		if h.Snippet != "" {
			w.raw(`<p class="snip">`)
			w.raw(string(markSnippet(h.Snippet, h.Marks)))
			w.raw("</p>")
		}
		if len(h.Matched) > 0 {
			w.raw(`<p class="note">matched in: `)
			w.text(strings.Join(h.Matched, ", "))
			w.raw("</p>")
		}
		w.raw("</li>\n")
	}
	w.raw("</ol>")
	return w.html()
}

// indicatorUsesHTML renders the rows of an indicator page: the rules that
// match the value, and how.
func indicatorUsesHTML(p *Page, us []IndicatorUse) template.HTML {
	var w htmlw
	w.grow(300 * len(us))
	for _, u := range us {
		w.raw("<tr>")
		w.ruleCells(p.RuleHref(u.ID), u.Platform, u.ID, u.Title, u.Path)
		w.raw("<td>")
		w.text(kindLabel(u.Kind, u.CaseSensitive, false, u.All))
		w.raw("</td></tr>\n")
	}
	return w.html()
}

// indicatorListHTML renders the rows of a list of indicators; field tells
// whether the list is of one field (and has no field column).
func indicatorListHTML(p *Page, ins []IndicatorSummary, field bool) template.HTML {
	var w htmlw
	w.grow(400 * len(ins))
	for _, in := range ins {
		w.raw("<tr>")
		if !field {
			w.raw("<td>")
			w.link(p.FieldHref(in.Field), in.Field, true)
			w.raw("</td>")
		}
		w.raw("<td>")
		w.text(in.Kind)
		w.raw("</td><td><a")
		w.href(p.IndicatorHref(in.Field, in.Kind, in.Value))
		w.raw(`><code class="wrap">`)
		w.value(in.Value)
		w.raw(`</code></a></td><td class="num">` + fmtInt(in.Rules) + "</td><td>")
		for i, kv := range sortedCounts(in.ByPlatform) {
			if i > 0 {
				w.raw(", ")
			}
			w.text(kv.Key)
			w.raw(" " + strconv.Itoa(kv.Count))
		}
		w.raw("</td></tr>\n")
	}
	return w.html()
}

// fieldCountsHTML renders a list of fields linked to their pages, with
// their counts.
func fieldCountsHTML(p *Page, fs []FacetCount) template.HTML {
	var w htmlw
	w.grow(100 * len(fs))
	for _, f := range fs {
		w.raw("<li>")
		w.link(p.FieldHref(f.Value), f.Value, true)
		w.raw(` <span class="n">` + fmtInt(f.Count) + "</span></li>")
	}
	return w.html()
}
