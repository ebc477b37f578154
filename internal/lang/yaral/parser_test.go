package yaral

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// events wraps predicate lines in a rule, so that a case can be written as
// the lines of an events section.
func events(lines string) string {
	return "rule t {\n  events:\n" + lines + "\n  condition:\n    $e\n}\n"
}

// parseCases are inputs and their expected trees (Dump) or errors. The
// expected trees are written from Google's reference
// (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax):
// precedence not > and > or, explicit operators before the implicit AND
// between events lines.
var parseCases = []struct {
	name string
	src  string
	// what is compared: "events" (the first rule's events section),
	// "condition", "match", "outcome", "options", "meta", or "" (the file)
	part string
	want string // Dump of the part
	err  string // the first error, "line:col: message"; "" when none
}{
	// precedence: the reference's own example, `or` beginning a line
	{name: "or at the start of a line groups with the line before",
		src:  events("    $e1.field = \"bat\"\n    or $e1.field = \"baz\"\n    $e2.field = \"bar\""),
		part: "events",
		want: "(events\n  (or (= $e1.field \"bat\") (= $e1.field \"baz\"))\n  (= $e2.field \"bar\"))"},
	{name: "a or b then a line c",
		src:  events("    $e.a = 1 or $e.b = 2\n    $e.c = 3"),
		part: "events",
		want: "(events\n  (or (= $e.a 1) (= $e.b 2))\n  (= $e.c 3))"},
	{name: "or at the end of a line",
		src:  events("    $e.a = 1 or\n    $e.b = 2\n    $e.c = 3"),
		part: "events",
		want: "(events\n  (or (= $e.a 1) (= $e.b 2))\n  (= $e.c 3))"},
	{name: "and binds before or",
		src:  events("    $e.a = 1 or $e.b = 2 and $e.c = 3"),
		part: "events",
		want: "(events\n  (or (= $e.a 1) (and (= $e.b 2) (= $e.c 3))))"},
	{name: "not binds before and",
		src:  events("    not $e.a = 1 and $e.b = 2"),
		part: "events",
		want: "(events\n  (and (not (= $e.a 1)) (= $e.b 2)))"},
	{name: "parentheses group",
		src:  events("    ($e.a = 1 or $e.b = 2) and $e.c = 3"),
		part: "events",
		want: "(events\n  (and (or (= $e.a 1) (= $e.b 2)) (= $e.c 3)))"},
	{name: "upper-case keywords",
		src:  events("    $e.a = \"x\" NOCASE OR $e.b = \"y\" AND NOT $e.c = \"z\"\n    $e.d IN %list"),
		part: "events",
		want: "(events\n  (or (= $e.a \"x\" nocase) (and (= $e.b \"y\") (not (= $e.c \"z\"))))\n  (in $e.d %list))"},

	// not before a function
	{name: "not net.ip_in_range_cidr",
		src:  events("    not net.ip_in_range_cidr($e.principal.ip, \"10.0.0.0/8\")"),
		part: "events",
		want: "(events\n  (not (call net.ip_in_range_cidr $e.principal.ip \"10.0.0.0/8\")))"},
	{name: "NOT ( calls joined by or )",
		src:  events("    NOT (\n      net.ip_in_range_cidr($e.principal.ip, \"20.7.0.0/16\") or\n      net.ip_in_range_cidr($e.principal.ip, \"20.22.0.0/16\")\n    )"),
		part: "events",
		want: "(events\n  (not (or (call net.ip_in_range_cidr $e.principal.ip \"20.7.0.0/16\") (call net.ip_in_range_cidr $e.principal.ip \"20.22.0.0/16\"))))"},

	// lists
	{name: "in regex %list nocase",
		src:  events("    $e.principal.process.file.full_path IN regex %hacktool_regex nocase"),
		part: "events",
		want: "(events\n  (in-regex $e.principal.process.file.full_path %hacktool_regex nocase))"},
	{name: "in cidr and a data table column",
		src:  events("    $e.principal.ip in cidr %nets\n    $e.target.hostname in %hosts.name"),
		part: "events",
		want: "(events\n  (in-cidr $e.principal.ip %nets)\n  (in $e.target.hostname %hosts.name))"},
	{name: "not before in negates the in",
		src:  events("    not $login.target.resource.attribute.labels[\"App Id\"] in %first_party"),
		part: "events",
		want: "(events\n  (not (in $login.target.resource.attribute.labels[\"App Id\"] %first_party)))"},
	{name: "a call in a list",
		src:  events("    re.replace($e.target.user.userid, `@.*$`, \"\") in %admins"),
		part: "events",
		want: "(events\n  (in (call re.replace $e.target.user.userid \"@.*$\" \"\") %admins))"},

	// regular expressions and strings
	{name: "regex literal with nocase, re.regex with nocase",
		src:  events("    $e.target.process.command_line = / -linpeas$/ nocase\n    re.regex($e.target.url, `^https://x/.*$`) nocase"),
		part: "events",
		want: "(events\n  (= $e.target.process.command_line / -linpeas$/ nocase)\n  (call re.regex $e.target.url \"^https://x/.*$\" nocase))"},
	{name: "escaped slash in a regex, escapes in a string",
		src:  events(`    $e.a = /a\/b/` + "\n" + `    $e.b = "q\"x\\y\.z"`),
		part: "events",
		want: "(events\n  (= $e.a /a/b/)\n  (= $e.b \"q\\\"x\\\\y\\\\.z\"))"},
	{name: "a regex ending in an escaped backslash",
		src:  events(`    $e.a = /a\\/ nocase`),
		part: "events",
		want: "(events\n  (= $e.a /a\\\\/ nocase))"},
	{name: "division is not a regex",
		src:  "rule t {\n events:\n  $e.a = $x\n outcome:\n  $r = $a / 2 + $b * 3 - -1\n condition:\n  $e\n}",
		part: "outcome",
		want: "(outcome\n  (= $r (- (+ (/ $a 2) (* $b 3)) (- 1))))"},

	// fields
	{name: "map access, indices, any and all",
		src:  events("    $e.security_result.detection_fields[\"status_code\"] = \"7\"\n    $e.about[0].labels[0].value != \"\"\n    any $e.principal.ip = \"192.0.2.1\"\n    all $e.principal.ip != \"192.0.2.2\""),
		part: "events",
		want: "(events\n  (= $e.security_result.detection_fields[\"status_code\"] \"7\")\n  (!= $e.about[0].labels[0].value \"\")\n  (any (= $e.principal.ip \"192.0.2.1\"))\n  (all (!= $e.principal.ip \"192.0.2.2\")))"},
	{name: "all inside a function's arguments, not all",
		src:  events("    net.ip_in_range_cidr(all $e.principal.ip, \"192.0.2.0/8\")\n    not all $e.principal.ip = \"192.168.12.16\""),
		part: "events",
		want: "(events\n  (call net.ip_in_range_cidr (all $e.principal.ip) \"192.0.2.0/8\")\n  (not (all (= $e.principal.ip \"192.168.12.16\"))))"},
	{name: "keywords as field names",
		src:  events("    $e.target.resource.attribute.labels.key = \"a\"\n    $e.x.regex.in.all = 1"),
		part: "events",
		want: "(events\n  (= $e.target.resource.attribute.labels.key \"a\")\n  (= $e.x.regex.in.all 1))"},
	{name: "arithmetic in a comparison",
		src:  events("    2592000 > timestamp.current_seconds() - $whois.graph.entity.domain.creation_time.seconds"),
		part: "events",
		want: "(events\n  (> 2592000 (- (call timestamp.current_seconds) $whois.graph.entity.domain.creation_time.seconds)))"},

	// a two-event rule joined by a placeholder
	{name: "two events joined by a placeholder, match over 1h",
		src: `rule two_events {
  meta:
    author = "x"
    severity = "HIGH"
  events:
    $fail.metadata.event_type = "USER_LOGIN"
    $fail.security_result.action = "BLOCK"
    $fail.target.user.userid = $user
    $success.metadata.event_type = "USER_LOGIN"
    $user = $success.target.user.userid
    $fail.metadata.event_timestamp.seconds < $success.metadata.event_timestamp.seconds
  match:
    $user over 1h
  condition:
    #fail > 5 and $success
}`,
		want: `(rule two_events
  (meta (author "x") (severity "HIGH"))
  (events
    (= $fail.metadata.event_type "USER_LOGIN")
    (= $fail.security_result.action "BLOCK")
    (= $fail.target.user.userid $user)
    (= $success.metadata.event_type "USER_LOGIN")
    (= $user $success.target.user.userid)
    (< $fail.metadata.event_timestamp.seconds $success.metadata.event_timestamp.seconds))
  (match hop ($user) 1h)
  (condition (and (> #fail 5) $success)))`},
	{name: "condition with a count",
		src:  "rule c {\n events:\n  $e.a = $h\n match:\n  $h over 5m\n condition:\n  #e > 5\n}",
		part: "condition",
		want: "(condition (> #e 5))"},
	{name: "condition with ! and outcome comparison",
		src:  "rule c {\n events:\n  $e.a = $h\n  $f.a = $h\n match:\n  $h over 5m\n outcome:\n  $risk_score = 5\n condition:\n  $e and !$f and $risk_score > 10\n}",
		part: "condition",
		want: "(condition (and (and $e (! $f)) (> $risk_score 10)))"},
	{name: "outcome with array_distinct, if and a risk score",
		src: `rule o {
  events:
    $e.principal.hostname = $host
  match:
    $host over 5m
  outcome:
    $risk_score = max(35 + if($e.target.resource.name = /organizations/, 30, 0))
    $ips = array_distinct($e.principal.ip)
    $n = count_distinct($e.metadata.id) + sum(if($e.x = "a", 1, 0))
  condition:
    $e
}`,
		part: "outcome",
		want: "(outcome\n  (= $risk_score (call max (+ 35 (call if (= $e.target.resource.name /organizations/) 30 0))))\n  (= $ips (call array_distinct $e.principal.ip))\n  (= $n (+ (call count_distinct $e.metadata.id) (call sum (call if (= $e.x \"a\") 1 0)))))"},
	{name: "match windows: several variables, tumbling, sliding",
		src:  "rule m {\n events:\n  $e1.a = $u\n match:\n  $u, $h over 10m after $e1\n condition:\n  $e1\n}\nrule n {\n events:\n  $e.a = $u\n match:\n  $u by 1h\n condition:\n  $e\n}",
		want: "(rule m\n  (events\n    (= $e1.a $u))\n  (match sliding ($u $h) 10m after $e1)\n  (condition $e1))\n(rule n\n  (events\n    (= $e.a $u))\n  (match tumbling ($u) 1h)\n  (condition $e))"},
	{name: "options",
		src:  "rule o {\n events:\n  $e.a = 1\n condition:\n  $e\n options:\n  allow_zero_values = true\n}",
		part: "options",
		want: "(options (allow_zero_values true))"},
	{name: "comments anywhere",
		src:  "/* header\n */\nrule c { // the rule\n meta:\n  a = \"b\" // trailing\n events:\n  // a line\n  $e.a = 1 /* inline */ or $e.b = 2\n condition:\n  $e\n}",
		part: "events",
		want: "(events\n  (or (= $e.a 1) (= $e.b 2)))"},

	// errors
	{name: "unterminated string",
		src: events("    $e.a = \"abc\n    $e.b = 1"), err: "3:12: unterminated string"},
	{name: "illegal character",
		src: events("    $e.a = 1 @ 2"), err: "3:14: illegal character \"@\""},
	{name: "a bad line does not spoil the next",
		src:  events("    $e.a = = 1\n    $e.b = 2"),
		part: "events",
		want: "(events\n  (= $e.a <bad>)\n  <bad>\n  (= $e.b 2))",
		err:  "3:12: unexpected \"=\", expected an expression"},
	{name: "a bare name",
		src: events("    foo = 1"), err: "3:5: unexpected name \"foo\": a field begins with $, a function call with ("},
	{name: "unclosed parenthesis",
		src: events("    ($e.a = 1\n    $e.b = 2"), err: "4:5: unexpected variable \"$e\", expected \")\" to close the parenthesis"},
	{name: "section out of order",
		src: "rule t {\n condition:\n  $e\n events:\n  $e.a = 1\n}", err: "4:2: section \"events\" out of order: the order is meta, events, match, outcome, condition, options"},
	{name: "missing closing brace",
		src: "rule t {\n events:\n  $e.a = 1\n condition:\n  $e\n", err: "6:1: unexpected end of file, expected \"}\" at the end of rule \"t\""},
	{name: "missing brace: the next rule is still read",
		src:  "rule a {\n events:\n  $e.a = 1\n condition:\n  $e\nrule b {\n events:\n  $e.b = 2\n condition:\n  $e\n}",
		want: "(rule a\n  (events\n    (= $e.a 1))\n  (condition $e))\n(rule b\n  (events\n    (= $e.b 2))\n  (condition $e))",
		err:  "6:1: unexpected keyword \"rule\", expected \"}\" at the end of rule \"a\""},
	{name: "match without a window",
		src: "rule t {\n events:\n  $e.a = $u\n match:\n  $u\n condition:\n  $e\n}", err: "6:2: unexpected keyword \"condition\", expected \"over\" or \"by\""},
	{name: "text before the rule",
		src: "hello\nrule t {\n events:\n  $e.a = 1\n condition:\n  $e\n}", err: "1:1: unexpected name \"hello\", expected \"rule\""},
	{name: "in without a list",
		src: events("    $e.a in \"x\""), err: "3:13: unexpected string \"\\\"x\\\"\", expected a reference list (%name)"},
	{name: "condition with two expressions",
		src: "rule t {\n events:\n  $e.a = 1\n condition:\n  $e $f\n}", err: "5:6: unexpected variable \"$f\", expected \"and\", \"or\" or the end of the condition"},
	{name: "no events section",
		src: "rule t {\n meta:\n  a = \"b\"\n condition:\n  $e\n}", err: "1:6: rule \"t\" has no events section"},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			f, errs := Parse([]byte(tc.src))
			checkSpans(t, tc.src, f)
			if tc.err == "" && errs != nil {
				t.Fatalf("errors: %v", errs.String())
			}
			if tc.err != "" {
				if len(errs) == 0 {
					t.Fatalf("no error, want %q", tc.err)
				}
				if got := errs[0].Error(); got != tc.err {
					t.Errorf("first error\n got %q\nwant %q\n(all: %s)", got, tc.err, errs.String())
				}
			}
			if tc.want == "" {
				return
			}
			var n Node = f
			if tc.part != "" {
				if len(f.Rules) == 0 {
					t.Fatal("no rule read")
				}
				r := f.Rules[0]
				switch tc.part {
				case "events":
					n = r.Events()
				case "match":
					n = r.Match()
				case "outcome":
					n = r.Outcome()
				case "condition":
					n = r.Condition()
				case "options":
					n = r.Options()
				case "meta":
					n = r.Meta()
				}
				if n == nil || (n != nil && isNilSection(n)) {
					t.Fatalf("no %s section", tc.part)
				}
			}
			if got := Dump(n); got != tc.want {
				t.Errorf("tree\n got %s\nwant %s", got, tc.want)
			}
			if errs == nil {
				checkRoundTrip(t, f)
			}
		})
	}
}

func isNilSection(n Node) bool {
	switch s := n.(type) {
	case *EventsSection:
		return s == nil
	case *MatchSection:
		return s == nil
	case *OutcomeSection:
		return s == nil
	case *ConditionSection:
		return s == nil
	case *OptionsSection:
		return s == nil
	case *MetaSection:
		return s == nil
	}
	return false
}

// checkRoundTrip checks that f prints to text that parses, without error,
// to an equal tree.
func checkRoundTrip(t testing.TB, f *File) {
	t.Helper()
	out := Print(f)
	g, errs := Parse([]byte(out))
	if errs != nil {
		t.Fatalf("the printed tree does not parse: %v\n%s", errs.String(), out)
	}
	if !Equal(f, g) {
		t.Fatalf("the printed tree parses to another tree\n%s\n--- first\n%s\n--- again\n%s", out, Dump(f), Dump(g))
	}
}

// checkSpans checks that every node's span lies within its parent's and
// within the source.
func checkSpans(t testing.TB, src string, root Node) {
	t.Helper()
	var stack []Node
	var visit func(n Node)
	visit = func(n Node) {
		sp := n.Span()
		if !sp.In(len(src)) {
			t.Fatalf("%T span %v outside the source (%d bytes)", n, sp, len(src))
		}
		if len(stack) > 0 {
			if ps := stack[len(stack)-1].Span(); !ps.Contains(sp) {
				t.Fatalf("%T span %v %q outside its parent %T %v", n, sp, src[sp.Start:sp.End], stack[len(stack)-1], ps)
			}
		}
		stack = append(stack, n)
		eachChild(n, visit)
		stack = stack[:len(stack)-1]
	}
	visit(root)
}

func TestLex(t *testing.T) {
	src := "rule R { // c\n events: $e.a = /x\\/y/ NOCASE and 10 / 2 >= 5m\n#e %l `b` \"s\" /* d */ @ }"
	var got []string
	for _, tk := range Lex([]byte(src)) {
		got = append(got, tk.Kind.String()+":"+tk.Text)
		if tk.Text != src[tk.Span.Start:tk.Span.End] {
			t.Errorf("token %v text %q is not its span's", tk.Kind, tk.Text)
		}
	}
	want := "rule:rule name:R {:{ comment:// c events:events ::: variable:$e .:. name:a =:= regular expression:/x\\/y/ " +
		"nocase:NOCASE and:and number:10 /:/ number:2 >=:>= duration:5m count variable:#e reference list:%l string:`b` " +
		"string:\"s\" comment:/* d */ illegal character:@ }:} end of file:"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("Lex\n got %s\nwant %s", g, want)
	}
	if !KwNocase.IsKeyword() || KwNocase.IsOperator() || !Slash.IsOperator() || !TokRegex.IsLiteral() || TokComment.IsLiteral() {
		t.Error("kind ranges")
	}
}

func TestHelpers(t *testing.T) {
	src := `rule h {
  meta:
    severity = "HIGH"
  events:
    $fail.metadata.event_type = "USER_LOGIN"
    $fail.target.user.userid = $user
    $success.target.user.userid = $user
    $user = $other.principal.user.userid or $fail.a = 1
    $success.principal.ip = $fail.principal.ip
  match:
    $user over 1h
  outcome:
    $risk_score = max(10)
  condition:
    #fail > 5 and $success
}`
	f, errs := Parse([]byte(src))
	if errs != nil {
		t.Fatal(errs)
	}
	r := f.Rules[0]
	v := r.Variables()
	if g := strings.Join(v.Events, ","); g != "fail,success,other" {
		t.Errorf("event variables %s", g)
	}
	if g := strings.Join(v.Placeholders, ","); g != "user" {
		t.Errorf("placeholders %s", g)
	}
	if g := strings.Join(v.Outcomes, ",") + "|" + strings.Join(v.Match, ","); g != "risk_score|user" {
		t.Errorf("outcome|match %s", g)
	}
	var bs []string
	for _, b := range r.Bindings() {
		bs = append(bs, b.Placeholder.Name+"="+b.Field.Var.Name+"."+b.Field.Path())
	}
	if g := strings.Join(bs, " "); g != "user=fail.target.user.userid user=success.target.user.userid" {
		t.Errorf("bindings %s (one under or is not a binding)", g)
	}
	var js []string
	for _, j := range r.Joins() {
		via := ""
		if j.Via != nil {
			via = " via $" + j.Via.Name
		}
		js = append(js, j.Left.Var.Name+"."+j.Left.Path()+" "+j.Op.String()+" "+j.Right.Var.Name+"."+j.Right.Path()+via)
	}
	if g := strings.Join(js, "; "); g != "success.principal.ip = fail.principal.ip; fail.target.user.userid = success.target.user.userid via $user" {
		t.Errorf("joins %s", g)
	}
	if s, ok := r.MetaValue("Severity"); !ok || s != "HIGH" {
		t.Errorf("MetaValue = %q, %v", s, ok)
	}
	if n := len(Disjuncts(r.Events().Lines[3])); n != 2 {
		t.Errorf("%d disjuncts", n)
	}
	// Inspect reaches every variable
	n := 0
	Inspect(f, func(x Node) bool {
		if _, ok := x.(*Var); ok {
			n++
		}
		return true
	})
	if n != 14 {
		t.Errorf("Inspect saw %d variables, want 14", n)
	}
}

// TestDeepNesting checks that 10,000 levels of parentheses, not and
// unary minus are an error, quickly, not a crash.
func TestDeepNesting(t *testing.T) {
	const n = 10000
	for name, src := range map[string]string{
		"parens": events("    " + strings.Repeat("(", n) + "$e.a = 1" + strings.Repeat(")", n) + "\n    $e.b = 2"),
		"not":    events("    " + strings.Repeat("not ", n) + "$e.a = 1"),
		"minus":  events("    $e.a = " + strings.Repeat("-", n) + "1"),
		"calls":  events("    " + strings.Repeat("f(", n) + "1" + strings.Repeat(")", n)),
	} {
		f, errs := Parse([]byte(src))
		if errs == nil || !strings.Contains(errs.Error(), "nested deeper than 1000") {
			t.Errorf("%s: errors %v", name, errs)
		}
		checkSpans(t, src, f)
		if len(f.Rules) != 1 || f.Rules[0].Condition() == nil {
			t.Errorf("%s: the condition after the deep section is lost", name)
		}
	}
}

func TestErrorsAreLocated(t *testing.T) {
	_, errs := Parse([]byte("rule t {\n events:\n  $e.a = \"é\" @\n condition:\n  $e\n}"))
	if len(errs) != 1 || errs[0].Line != 3 || errs[0].Col != 14 || errs[0].Severity != diag.Error {
		t.Fatalf("errors %v", errs)
	}
}
