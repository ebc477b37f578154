package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// ruleMainHTML writes the main part of the rule page, its sections in
// DESIGN.md's order. It is Go rather than a template for the time: the
// template's 150-odd actions, each escaped through reflection, took two
// thirds of a page's making; the page is the site's most read. Every piece
// of rule text goes through text (or value), every link through href; only
// literal markup goes through raw (see htmlw).
func ruleMainHTML(d *ruleData) template.HTML {
	var w htmlw
	writeRuleMain(&w, d)
	return w.html()
}

// ruleMainSize guesses the bytes of a rule page's main part, so that its
// buffer is grown once: a base, the query highlighted (about twice its
// bytes), the rows of the linked rules, the values of indicators and
// predicates.
func ruleMainSize(d *ruleData) int {
	r := d.R
	n := 12 << 10
	n += highlightSize(r.Query) + len(r.Description) + len(r.Explanation)
	n += 400 * (len(r.SameAction) + len(r.NearDuplicates) + len(r.SameBehaviour) + len(r.Events) + len(r.Canonical))
	for _, in := range d.Indicators {
		n += 200 * len(in.Values)
	}
	for _, st := range d.Stages {
		n += 2*len(st.Text) + 150
	}
	return n
}

// writeRuleMain writes what ruleMainHTML returns.
func writeRuleMain(w *htmlw, d *ruleData) {
	r := d.R
	w.grow(ruleMainSize(d))
	w.raw("<article class=\"rule\">\n<h1>")
	w.text(orID(r.Title, r.ID))
	w.raw("</h1>\n")
	writeCapped(w, d)
	w.raw("<dl class=\"head\">\n<dt>id</dt><dd><code>")
	w.text(r.ID)
	w.raw("</code></dd>\n<dt>platform</dt><dd><a class=\"badge p-" + className(r.Platform) + "\"")
	w.href(d.PlatformHref)
	w.raw(">")
	w.text(r.Platform)
	w.raw("</a> ")
	// Product, language and file format once each, as people name them:
	// "Defender XDR · KQL · markdown".
	for i, part := range platformLine(r.Product, r.Variant, r.Language, r.Format, r.Platform) {
		if i > 0 {
			w.raw(" · ")
		}
		w.text(part)
	}
	w.raw("</dd>\n")
	if r.Kind != "" {
		w.raw("<dt>kind</dt><dd><a")
		w.href(d.KindHref)
		w.raw(">")
		w.text(r.Kind)
		w.raw("</a></dd>")
	}
	w.raw("\n")
	w.dd("status", r.Status)
	if r.Severity != "" {
		w.raw("<dt>severity</dt><dd><span class=\"badge sev-" + className(r.Severity) + "\">")
		w.text(r.Severity)
		w.raw("</span></dd>")
	}
	w.raw("\n")
	w.dd("time window", r.TimeWindow)
	w.dd("frequency", r.Frequency)
	w.dd("trigger", r.Trigger)
	if len(d.GroupBy) > 0 {
		w.raw("<dt>group by</dt><dd>")
		for i, g := range d.GroupBy {
			if i > 0 {
				w.raw(", ")
			}
			w.raw("<a")
			w.href(g.URL)
			w.raw("><code>")
			w.text(g.Text)
			w.raw("</code></a>")
		}
		w.raw("</dd>")
	}
	w.raw("\n")
	if len(d.Authors) > 0 {
		w.raw("<dt>authors</dt><dd>")
		for i, a := range d.Authors {
			if i > 0 {
				w.raw(", ")
			}
			w.raw("<a")
			w.href(a.URL)
			w.raw(">")
			w.text(a.Text)
			w.raw("</a>")
		}
		w.raw("</dd>")
	}
	w.raw("\n")
	if r.Date != "" || r.Modified != "" {
		w.raw("<dt>date</dt><dd>")
		w.text(r.Date)
		if r.Modified != "" {
			w.raw(" (modified ")
			w.text(r.Modified)
			w.raw(")")
		}
		w.raw("</dd>")
	}
	w.raw("\n")
	w.dd("version", r.Version)
	w.raw("<dt>source</dt><dd><a")
	w.href(d.RepoHref)
	w.raw(">")
	w.text(r.Source.Repo)
	w.raw("</a>: ")
	if d.SourceURL != "" {
		w.raw("<a")
		w.href(normURL(d.SourceURL))
		w.raw(" rel=\"noopener noreferrer\">")
		w.text(r.Source.Path)
		w.raw("</a>")
	} else {
		w.text(r.Source.Path)
	}
	if r.Source.Line != 0 {
		w.raw(":" + strconv.Itoa(r.Source.Line))
	}
	w.raw("</dd>\n")
	if len(d.Tags) > 0 {
		w.raw("<dt>tags</dt><dd class=\"tags\">")
		writeTags(w, d.Tags, "")
		w.raw("</dd>")
	}
	w.raw("\n")
	if r.UID != "" {
		w.raw("<dt>rule id</dt><dd><code>")
		w.text(r.UID)
		w.raw("</code></dd>")
	}
	w.raw("\n</dl>\n\n")

	if r.Description != "" {
		w.raw("<section id=\"description\"><h2>Description</h2><div class=\"desc\">")
		w.text(r.Description)
		w.raw("</div></section>")
	}
	// the source's own prose beside its description (a Risk, Notes section)
	for _, sec := range r.Sections {
		w.raw("\n<section id=\"source-" + className(strings.ReplaceAll(sec.Title, " ", "-")) + "\" class=\"source-section\"><h2>")
		w.text(sec.Title)
		w.raw("</h2><div class=\"desc\">")
		w.text(sec.Text)
		w.raw("</div></section>")
	}
	w.raw("\n\n<section id=\"attack\"><h2>MITRE ATT&amp;CK</h2>\n")
	if len(d.Tactics) > 0 {
		w.raw("<div class=\"tw\"><table><thead><tr><th>tactic</th><th>techniques</th></tr></thead><tbody>\n")
		writeAttackRows(w, d)
		w.raw("</tbody></table></div>")
	} else {
		w.raw("<p class=\"none\">The rule states no ATT&amp;CK technique or tactic.</p>")
	}
	w.raw("</section>\n\n")

	if len(d.References) > 0 {
		w.raw("<section id=\"references\"><h2>References</h2><ul class=\"refs\">\n")
		writeReferenceItems(w, d.References)
		w.raw("</ul></section>")
	}
	w.raw("\n\n")

	if len(d.Events) > 0 || r.Query != "" {
		w.raw("<section id=\"events\"><h2>Event coverage</h2>\n")
		if len(d.Events) > 0 {
			w.raw("<div class=\"tw\"><table><thead><tr><th>provider</th><th>event</th><th>title</th></tr></thead><tbody>\n")
			for _, e := range d.Events {
				w.raw("<tr><td>")
				w.text(e.Provider)
				if e.Channel != "" {
					w.raw(" <span class=\"sub\">")
					w.text(e.Channel)
					w.raw("</span>")
				}
				w.raw("</td><td>")
				w.link(e.Href, e.Event, true)
				w.raw("</td><td>")
				w.text(e.Title)
				w.raw("</td></tr>\n")
			}
			w.raw("</tbody></table></div>")
		} else {
			w.raw("<p class=\"none\">No event (operation, event id, event name) was read from this rule.</p>")
		}
		w.raw("</section>")
	}
	w.raw("\n\n<section id=\"same-action\"><h2>Rules detecting the same action</h2>\n")
	codes := func(ss []string) {
		for i, a := range ss {
			if i > 0 {
				w.raw(", ")
			}
			w.raw("<code>")
			w.text(a)
			w.raw("</code>")
		}
	}
	if len(r.SameAction) > 0 {
		w.raw("<p class=\"intro\">Rules of any platform that look for one of the same operations or events")
		if len(r.Actions) > 0 {
			w.raw(" (")
			codes(r.Actions)
			w.raw(")")
		}
		w.raw(".</p>\n")
		writeRefs(w, d.SameAction, true)
		writeMoreLinks(w, d, listSameAction, d.LinkTotals.SameAction, len(r.SameAction))
	} else {
		w.raw("<p class=\"none\">")
		if len(r.Actions) > 0 {
			w.raw("No other rule looks for ")
			codes(r.Actions)
			w.raw(".")
		} else {
			w.raw("This rule names no operation or event that other rules could share.")
		}
		w.raw("</p>")
	}
	w.raw("\n</section>\n\n")
	writeSameBehaviour(w, d, r)

	if r.Query != "" {
		w.raw("<section id=\"body\"><h2>Rule body <span class=\"sub\">")
		w.text(r.Language)
		w.raw("</span> <button type=\"button\" class=\"copy\" data-copy=\"query\" hidden>copy</button></h2>\n<pre class=\"code hl\"><code id=\"query\">")
		highlightStoredTo(w.writer(), d.BodyLang, r.Query, r.QueryLine, d.BodyTokens)
		w.raw("</code></pre></section>")
	}
	w.raw("\n\n")

	if len(r.Params) > 0 {
		w.raw("<section id=\"params\"><h2>Parameters</h2>\n<div class=\"tw\"><table><thead><tr><th>name</th><th>kind</th><th>value</th></tr></thead><tbody>\n")
		for _, p := range r.Params {
			w.raw("<tr><td><code>")
			w.text(p.Name)
			w.raw("</code></td><td>")
			w.text(p.Kind)
			w.raw("</td><td><code class=\"wrap\">")
			w.text(p.Value)
			w.raw("</code></td></tr>\n")
		}
		w.raw("</tbody></table></div></section>")
	}
	w.raw("\n\n")

	if len(r.Stages) > 0 || r.Query != "" {
		w.raw("<section id=\"stages\"><h2>Stages and predicates</h2>\n")
		if len(r.Stages) > 0 {
			writeStages(w, d.Stages)
			if d.StagesMore > 0 {
				w.raw(`<p class="note more">`)
				writeMore(w, d.StagesMore, "stage", "stages")
				w.raw("</p>")
			}
		} else {
			w.raw("<p class=\"none\">No stages were read from this rule's query")
			if len(r.Diagnostics) > 0 {
				w.raw(" (see the diagnostics)")
			}
			w.raw(".</p>")
		}
		w.raw("\n</section>")
	}
	w.raw("\n\n")

	if len(d.Indicators) > 0 || r.Query != "" {
		w.raw("<section id=\"indicators\"><h2>Indicators</h2>\n")
		if len(d.Indicators) > 0 {
			w.raw("<p class=\"intro\">Each row is a field, an operator and the values the rule matches. The count after a value is how many other rules of the catalog match the same field, operator and value.</p>\n" +
				"<div class=\"tw\"><table><thead><tr><th>field</th><th>kind</th><th>values</th></tr></thead><tbody>\n")
			writeIndicatorRows(w, d.Indicators)
			w.raw("</tbody></table></div>")
		} else {
			w.raw("<p class=\"none\">No field value that the rule matches was read from it.</p>")
		}
		w.raw("</section>")
	}
	w.raw("\n\n")

	if len(r.Outputs) > 0 || len(r.EntityMappings) > 0 || r.Query != "" {
		w.raw("<section id=\"outputs\"><h2>Output fields</h2>\n")
		if len(r.Outputs) > 0 {
			w.raw("<div class=\"tw\"><table><thead><tr><th>field</th><th>source</th><th>expression</th><th>entity</th></tr></thead><tbody>\n")
			writeOutputRows(w, r.Outputs)
			w.raw("</tbody></table></div>")
		} else {
			w.raw("<p class=\"none\">No output field was read from this rule's query.</p>")
		}
		w.raw("\n")
		if len(r.EntityMappings) > 0 {
			w.raw("<h3>Entity mappings</h3><div class=\"tw\"><table><thead><tr><th>entity</th><th>identifier</th><th>column</th></tr></thead><tbody>\n")
			for _, e := range r.EntityMappings {
				w.raw("<tr><td>")
				w.text(e.EntityType)
				w.raw("</td><td>")
				w.text(e.Identifier)
				w.raw("</td><td><code>")
				w.text(e.Column)
				w.raw("</code></td></tr>\n")
			}
			w.raw("</tbody></table></div>")
		}
		w.raw("\n</section>")
	}
	w.raw("\n\n")

	if r.Explanation != "" || r.Query != "" {
		w.raw("<section id=\"explanation\"><h2>Explanation</h2>")
		if len(r.ExplanationParts) > 0 {
			w.raw("<div class=\"explain\">")
			writeExplanation(w, r.ExplanationParts)
			w.raw("</div>")
		} else if r.Explanation != "" {
			w.raw("<div class=\"desc\">")
			w.text(r.Explanation)
			w.raw("</div>")
		} else {
			w.raw("<p class=\"none\">No explanation: it is made from the stages read from the query.</p>")
		}
		w.raw("</section>")
	}
	w.raw("\n\n")

	anyTerms := len(r.Tables) > 0 || len(r.Keywords) > 0 || len(r.Operators) > 0 || len(r.Functions) > 0
	if anyTerms || r.Query != "" {
		w.raw("<section id=\"terms\"><h2>Tables, keywords, operators, functions</h2>\n")
		if anyTerms {
			w.raw("<dl class=\"terms\">\n")
			for _, t := range []struct {
				name, suffix string
				ls           []link
			}{{"tables", "", d.Tables}, {"keywords", "", d.Keywords}, {"operators", "", d.Operators}, {"functions", "()", d.Functions}} {
				if len(t.ls) > 0 {
					w.raw("<dt>" + t.name + "</dt><dd>")
					writeTags(w, t.ls, t.suffix)
					w.raw("</dd>")
				}
				w.raw("\n")
			}
			w.raw("</dl>")
		} else {
			w.raw("<p class=\"none\">No table, keyword, operator or function was read from this rule's query.</p>")
		}
		w.raw("</section>")
	}
	w.raw("\n\n")

	if len(r.FalsePositives) > 0 {
		w.raw("<section id=\"false-positives\"><h2>False positives</h2><ul>")
		for _, f := range r.FalsePositives {
			w.raw("<li>")
			w.text(f)
			w.raw("</li>")
		}
		w.raw("</ul></section>")
	}
	w.raw("\n")
	if len(r.DataConnectors) > 0 {
		w.raw("<section id=\"connectors\"><h2>Data connectors</h2><p>")
		w.text(strings.Join(r.DataConnectors, ", "))
		w.raw("</p></section>")
	}
	w.raw("\n")
	if len(r.Related) > 0 {
		w.raw("<section id=\"related\"><h2>Related rules</h2><ul>")
		for _, rel := range r.Related {
			w.raw("<li>")
			w.text(rel.Type)
			w.raw(": <code>")
			w.text(rel.ID)
			w.raw("</code></li>")
		}
		w.raw("</ul></section>")
	}
	w.raw("\n\n")

	if len(r.NearDuplicates) > 0 {
		w.raw("<section id=\"near-duplicates\"><h2>Near-duplicates</h2>\n")
		writeRefs(w, d.NearDuplicates, false)
		writeMoreLinks(w, d, listNearDuplicates, d.LinkTotals.NearDuplicates, len(r.NearDuplicates))
		w.raw("</section>")
	}
	w.raw("\n\n")

	if fs := d.Findings; len(fs) > 0 {
		// What ruledex lint found in the rule, each finding with its check's help.
		w.raw("<section id=\"findings\"><h2>Findings</h2><ul class=\"diags\">\n")
		for _, f := range fs {
			line := strconv.Itoa(f.Line)
			w.raw("<li class=\"d-" + className(f.Severity) + "\"><a href=\"#L" + line + "\">" + line + ":" + strconv.Itoa(f.Col) + "</a> <b>")
			w.text(f.Severity)
			w.raw("</b> ")
			w.text(f.Message)
			w.raw(" ")
			w.link(d.Href(FindingPath(f.Check)), f.Check, true)
			if c := lint.Get(f.Check); c != nil {
				w.raw("<details><summary>why</summary>")
				w.text(c.Help)
				w.raw("</details>")
			}
			w.raw("</li>\n")
		}
		w.raw("</ul>")
		if d.FindingsTotal > len(fs) {
			w.raw(`<p class="note more">The first ` + fmtInt(len(fs)) + " of " + fmtInt(d.FindingsTotal) + " findings.")
			if !d.Static {
				w.raw(" <a")
				w.href(d.Href("/api/v1/rules/" + IDPath(r.ID) + "/findings"))
				w.raw(">All of them</a> (JSON).")
			}
			w.raw("</p>")
		}
		w.raw("</section>")
	}
	w.raw("\n\n")

	if len(r.Diagnostics) > 0 {
		w.raw("<section id=\"diagnostics\"><h2>Diagnostics</h2><ul class=\"diags\">\n")
		for _, dg := range r.Diagnostics {
			line := strconv.Itoa(dg.Line)
			w.raw("<li class=\"d-" + className(dg.Severity) + "\"><a href=\"#L" + line + "\">")
			w.text(dg.Path)
			w.raw(":" + line + ":" + strconv.Itoa(dg.Col) + "</a> <b>")
			w.text(dg.Severity)
			w.raw("</b> ")
			w.text(dg.Message)
			w.raw("</li>\n")
		}
		w.raw("</ul></section>")
	}
	w.raw("\n</article>")
}

// dd writes <dt>name</dt><dd>value</dd> when value is not "", and a newline.
// writeExplanation writes the parts of an explanation: a paragraph per
// sentence, the items of an and/or as a nested list under what they tell,
// each saying how its items combine (all of, any of, none of).
func writeExplanation(w *htmlw, ps []rule.ExplainPart) {
	for _, p := range ps {
		w.raw("<p>")
		writeExplainHead(w, p)
		w.raw("</p>")
		if len(p.Items) > 0 {
			writeExplainItems(w, p.Items, 1)
		}
		w.raw("\n")
	}
}

const maxExplainDepth = 12

func writeExplainHead(w *htmlw, p rule.ExplainPart) {
	if p.Label != "" {
		w.raw("<code>")
		w.text(p.Label)
		w.raw("</code>")
		if p.Text != "" || len(p.Items) > 0 {
			w.raw(": ")
		}
	}
	w.text(p.Text)
	if len(p.Items) > 0 && lower.OpWords(p.Op) != "" {
		if p.Text != "" {
			w.raw(" ")
		}
		w.raw("<b>")
		w.text(lower.OpWords(p.Op))
		w.raw("</b>:")
	}
}

func writeExplainItems(w *htmlw, ps []rule.ExplainPart, depth int) {
	w.raw("<ul class=\"logic\">")
	for _, p := range ps {
		w.raw("<li>")
		writeExplainHead(w, p)
		if len(p.Items) > 0 && depth < maxExplainDepth {
			writeExplainItems(w, p.Items, depth+1)
		}
		w.raw("</li>")
	}
	w.raw("</ul>")
}

func (w *htmlw) dd(name, value string) {
	if value != "" {
		w.raw("<dt>" + name + "</dt><dd>")
		w.text(value)
		w.raw("</dd>")
	}
	w.raw("\n")
}

func orID(title, id string) string {
	if title != "" {
		return title
	}
	return id
}

// writeRefs writes a table of rule references (the "refs" template).
func writeRefs(w *htmlw, refs []refView, actions bool) {
	w.raw("<div class=\"tw\"><table>\n<thead><tr><th>platform</th><th>rule</th>")
	if actions {
		w.raw("<th>shared actions</th>")
	}
	w.raw("</tr></thead>\n<tbody>")
	writeRefRows(w, refs, actions)
	w.raw("</tbody></table></div>")
}

// normURL percent-encodes the bytes of u that may not stand in a URL, as
// html/template does for a link it writes (u is http(s), see safeURL).
func normURL(u string) string {
	const hex = "0123456789abcdef"
	var b []byte
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0:
			if b != nil {
				b = append(b, c)
			}
			continue
		case c == '%' && i+2 < len(u) && isHex(u[i+1]) && isHex(u[i+2]):
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(u)+16), u[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return u
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unseparated drops the separators of a name, to compare names.
var unseparated = strings.NewReplacer("_", "", "-", "", " ", "")

// platformLine returns the parts of a rule's platform line after its
// platform: the product (and the variant when it is another), the
// language's short name (its title up to " ("), the file format's kind (the
// last word of its name).
func platformLine(product, variant, language, format, platform string) []string {
	var out []string
	seen := map[string]bool{strings.ToLower(platform): true}
	add := func(s string) {
		k := strings.ToLower(unseparated.Replace(s))
		if s != "" && !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	add(productName(product))
	add(productName(variant))
	name := language
	if l := lang.Get(language); l != nil && l.Title != "" {
		name, _, _ = strings.Cut(l.Title, " (")
	}
	add(name)
	if i := strings.LastIndexAny(format, "_-"); i >= 0 {
		format = format[i+1:]
	}
	add(format)
	return out
}

// productName writes a product id as a name: words capitalized, short ones
// (xdr, aws, m365) upper-cased: defender_xdr is Defender XDR.
func productName(id string) string {
	words := strings.FieldsFunc(id, func(c rune) bool { return c == '_' || c == '-' || c == ' ' })
	for i, w := range words {
		switch {
		case len(w) <= 3 || strings.ContainsAny(w, "0123456789"):
			words[i] = strings.ToUpper(w)
		case w == strings.ToLower(w):
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
