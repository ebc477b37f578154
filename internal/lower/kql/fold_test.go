package lowerkql

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestNamesAsExpressions: namesDetectionRule and namesFunction, which ask
// their expression only of a text holding its word, say what the
// expression alone says: words in every case, cut, joined to others,
// beside runes outside ASCII.
func TestNamesAsExpressions(t *testing.T) {
	texts := []string{"", "a custom detection", "Custom DETECTION rules", "an analytic rule", "ANALYTICS RULE here",
		"detection", "detections rule", "undetection rule", "cuſtom detection", "analytic rules", "the analytics-rule",
		"Save as function", "saved this query as a Function", "PARSER for the x function", "this function", "functions",
		"ſave as function", "no word here", "dete ction rule", "détection rule", "analytıc rule", "this functıon"}
	words := []string{"detection", "rule", "rules", "custom", "analytic", "analytics", "save", "saved", "this", "query",
		"as", "a", "function", "parser", "é", "ſ", "K", "-", " ", "\n", "x"}
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range 1 + rnd.IntN(6) {
			w := words[rnd.IntN(len(words))]
			for _, c := range w {
				if rnd.IntN(3) == 0 {
					b.WriteString(strings.ToUpper(string(c)))
				} else {
					b.WriteRune(c)
				}
			}
			if rnd.IntN(4) > 0 {
				b.WriteByte(' ')
			}
		}
		texts = append(texts, b.String())
	}
	found := 0
	for _, s := range texts {
		if got, want := namesDetectionRule(s), detectionRuleR.MatchString(s); got != want {
			t.Errorf("namesDetectionRule(%q) = %v, the expression says %v", s, got, want)
		}
		if got, want := namesFunction(s), funcHeaderRE.MatchString(s); got != want {
			t.Errorf("namesFunction(%q) = %v, the expression says %v", s, got, want)
		}
		if detectionRuleR.MatchString(s) || funcHeaderRE.MatchString(s) {
			found++
		}
	}
	if found < 100 {
		t.Errorf("only %d of %d texts match an expression: the test says little", found, len(texts))
	}
}

// TestMarkdownLineMatches: atxMatch and matchWord give what their
// expressions give alone, on lines of every shape.
func TestMarkdownLineMatches(t *testing.T) {
	heads := []string{"", "#", " #", "   # x", "    # x", "\t# x", "#######", "## Title ##", "x # y", " ", "  #x", "###   "}
	for _, l := range heads {
		if got, want := atxMatch(l), atxRE.FindStringSubmatch(l); !slices.Equal(got, want) {
			t.Errorf("atxMatch(%q) = %q, the expression gives %q", l, got, want)
		}
	}
	lines := []string{"Language: KQL", "**LANGUAGE**: kusto", "- language: x", "Platform: M365", "PLATFORM:", "no", "",
		"languages: a", "lang: b", "_platform_ x", "ſ language"}
	for _, l := range lines {
		for _, c := range []struct {
			word string
			re   *regexp.Regexp
		}{{"language", languageR}, {"platform", platformR}} {
			if got, want := matchWord(l, c.word, c.re), c.re.FindStringSubmatch(l); !slices.Equal(got, want) {
				t.Errorf("matchWord(%q, %q) = %q, the expression gives %q", l, c.word, got, want)
			}
		}
	}
}
