package lower

import (
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// An explanation is a list of parts (rule.ExplainPart): one sentence per
// stage, in the order of the stages, and a condition as its and/or tree.
// Rule.Explanation is the same text run together (PartsText), for the
// search index and for readers of the plain string.

// Explainer collects the parts of an explanation in the order they are said.
type Explainer struct {
	Parts []rule.ExplainPart
}

// Say adds a sentence telling stage (0: the rule as a whole); a sentence
// gets its capital and its full stop here.
func (e *Explainer) Say(stage int, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	e.Parts = append(e.Parts, rule.ExplainPart{Text: Sentence(text), Stage: stage})
}

// Add adds a part as made (a tree).
func (e *Explainer) Add(p rule.ExplainPart) {
	e.Parts = append(e.Parts, p)
}

// Set gives r the explanation collected: its parts and their text.
func (e *Explainer) Set(r *rule.Rule) {
	r.ExplanationParts = e.Parts
	r.Explanation = PartsText(e.Parts)
}

// Sentence gives s a capital first letter and a full stop.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// OpWords says how a node's items combine: "all of", "any of", "none of".
func OpWords(op string) string {
	switch op {
	case rule.ExplainAll:
		return "all of"
	case rule.ExplainAny:
		return "any of"
	case rule.ExplainNone:
		return "none of"
	case rule.ExplainSteps:
		return "" // steps follow what introduces them
	}
	return op
}

// PartsText runs parts together as one text: sentences one after the other,
// a tree as "Matches events where all of: selection_img (any of: Image ends
// with '\certutil.exe'; OriginalFileName is 'CertUtil.exe'); ...".
func PartsText(ps []rule.ExplainPart) string {
	var b strings.Builder
	for _, p := range ps {
		s := partText(p, 0)
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
		if len(p.Items) > 0 && !strings.HasSuffix(s, ".") {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// maxPartDepth bounds how deep PartsText writes a tree out.
const maxPartDepth = 12

func partText(p rule.ExplainPart, depth int) string {
	if len(p.Items) == 0 || p.Op == "" || depth > maxPartDepth {
		if p.Label != "" && p.Text != "" {
			return p.Label + " (" + p.Text + ")"
		}
		return p.Label + p.Text
	}
	items := make([]string, 0, len(p.Items))
	for _, it := range p.Items {
		if s := partText(it, depth+1); s != "" {
			items = append(items, s)
		}
	}
	if p.Op == rule.ExplainSteps {
		// steps: sentences in order, in parentheses when nested
		inner := strings.Join(items, " ")
		if depth > 0 || p.Text == "" {
			inner = "(" + inner + ")"
		}
		return strings.TrimSpace(p.Label + " " + p.Text + " " + inner)
	}
	inner := OpWords(p.Op) + ": " + strings.Join(items, "; ")
	switch {
	case p.Label != "":
		inner = p.Label + " (" + inner + ")"
	case depth > 0 && p.Text == "":
		inner = "(" + inner + ")"
	}
	if p.Text != "" {
		return p.Text + " " + inner
	}
	return inner
}

// Node makes a node of a condition's tree: its items joined by op. A node
// of one item (not negated) is that item, under the node's label when the
// item has none; items of the same op are not nested in one another.
func Node(op, label string, items []rule.ExplainPart) rule.ExplainPart {
	if len(items) == 1 && op != rule.ExplainNone {
		it := items[0]
		if it.Label == "" {
			it.Label = label
			return it
		}
		if label == "" {
			return it
		}
	}
	var flat []rule.ExplainPart
	for _, it := range items {
		if it.Op == op && it.Label == "" && it.Text == "" && op != rule.ExplainNone {
			flat = append(flat, it.Items...)
			continue
		}
		flat = append(flat, it)
	}
	return rule.ExplainPart{Op: op, Label: label, Items: flat}
}

// Leaf makes a test of a condition's tree.
func Leaf(text string) rule.ExplainPart {
	return rule.ExplainPart{Text: text}
}

// Derivation is how a language says its functions in words: for each
// function name (lower case), a phrase in which %1, %2... stand for the
// arguments, as they are written ("the sum of %1"); a key name(*) says a
// call with the one argument * (COUNT(*)).
type Derivation map[string]string

// Call says a call of function name with args in words, when d knows the
// function and has no more placeholders than args; ok is false otherwise.
func (d Derivation) Call(name string, args []string) (string, bool) {
	if len(args) == 1 && args[0] == "*" {
		if t, ok := d[strings.ToLower(name)+"(*)"]; ok {
			return t, true // COUNT(*)
		}
	}
	t, ok := d[strings.ToLower(name)]
	if !ok {
		return "", false
	}
	for i := min(len(args), 9); i >= 1; i-- {
		t = strings.ReplaceAll(t, "%"+strconv.Itoa(i), args[i-1])
	}
	for i := strings.IndexByte(t, '%'); i >= 0 && i+1 < len(t); {
		if c := t[i+1]; c >= '1' && c <= '9' {
			return "", false // an argument the call does not have
		}
		j := strings.IndexByte(t[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return t, true
}

// Derived says how a field is made: "Total is the sum of Count"; an
// expression not said in words is quoted: "Domain is computed as
// `tostring(split(Url, "/")[2])`".
func Derived(name, words, expr string) string {
	if words != "" {
		return name + " is " + words
	}
	expr = strings.Join(strings.Fields(expr), " ")
	if expr == "" || expr == name {
		return name
	}
	const most = 120
	if len(expr) > most {
		cut := most
		for cut > 0 && expr[cut]&0xC0 == 0x80 {
			cut--
		}
		expr = expr[:cut] + "…"
	}
	return name + " is computed as `" + expr + "`"
}

// SplitCall splits the text of a function call, name(arg, arg...), into
// its name and its arguments as written (commas inside quotes, brackets
// and parentheses kept); ok is false when expr is not one call.
func SplitCall(expr string) (name string, args []string, ok bool) {
	expr = strings.TrimSpace(expr)
	open := strings.IndexByte(expr, '(')
	if open <= 0 || !strings.HasSuffix(expr, ")") {
		return "", nil, false
	}
	name = strings.TrimSpace(expr[:open])
	for _, c := range name {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", nil, false
		}
	}
	depth, start := 0, open+1
	var quote byte
	body := expr[:len(expr)-1]
	for i := open + 1; i < len(body); i++ {
		c := body[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
			if depth < 0 {
				return "", nil, false // name(a) + (b): not one call
			}
		case c == ',' && depth == 0:
			args = append(args, strings.TrimSpace(body[start:i]))
			start = i + 1
		}
	}
	if depth != 0 || quote != 0 {
		return "", nil, false
	}
	if last := strings.TrimSpace(body[start:]); last != "" || len(args) > 0 {
		args = append(args, last)
	}
	return name, args, true
}

// SimpleArg tells whether an argument is said as written in a sentence: a
// field name, a number or a short quoted string.
func SimpleArg(a string) bool {
	if a == "" || len(a) > 60 {
		return false
	}
	if a[0] == '"' || a[0] == '\'' {
		return true
	}
	for _, c := range a {
		if !(c == '_' || c == '.' || c == '-' || c == '*' || c == '$' || c == '@' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// CallWords says the text of a function call in words through d, when it
// is one call of a function d knows with simple arguments (or calls said
// in words themselves); "" otherwise.
func (d Derivation) CallWords(expr string, depth int) string {
	name, args, ok := SplitCall(expr)
	if !ok || depth > 3 {
		return ""
	}
	words := make([]string, len(args))
	for i, a := range args {
		switch {
		case SimpleArg(a):
			words[i] = a
		default:
			w := d.CallWords(a, depth+1)
			if w == "" {
				return ""
			}
			words[i] = w
		}
	}
	s, ok := d.Call(name, words)
	if !ok {
		return ""
	}
	return s
}
