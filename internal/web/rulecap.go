package web

import (
	"strconv"
	"unicode/utf8"
)

// What one rule's page shows is capped: a rule of 90,000 values (an 800 KB
// list) made a page of 21.8 MB. The page says what it left out and links
// the rule's JSON, which has everything.
const (
	maxShownValues = 200    // values of one indicator, or of one predicate
	maxShownStages = 200    // stages of a query, or of one inner pipeline
	maxStageText   = 16_384 // bytes of one stage's text (the whole query is shown above)
)

// cutText returns s cut to at most n bytes on a character boundary, with an
// ellipsis.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + " …"
}

// writeMore says how many things a list left out.
func writeMore(w *htmlw, n int, one, many string) {
	if n <= 0 {
		return
	}
	w.raw(` <span class="more">and ` + fmtInt(n) + " more " + plural1(n, one, many) + "</span>")
}

func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// writeCapped says, at the head of a rule page, that the page is capped.
func writeCapped(w *htmlw, d *ruleData) {
	if !d.Capped {
		return
	}
	w.raw(`<p class="note capped">This rule is too large to show whole: this page shows the first ` +
		strconv.Itoa(maxShownValues) + ` values of each indicator and predicate, the first ` + strconv.Itoa(maxShownStages) +
		` stages and ` + fmtInt(maxStageText) + ` bytes of each stage's text. <a`)
	w.href(d.Href("/api/v1/rules/" + IDPath(d.R.ID) + ".json"))
	w.raw(`>The rule's JSON</a> has all of it.</p>` + "\n")
}
