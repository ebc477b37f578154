package spl

import (
	"strings"
	"testing"
)

// parseCases are inputs with the tree they read to (Dump) or the first
// error they report (line:col: message).
var parseCases = []struct {
	src, tree, err string
}{
	{"A OR B C", "(pipe (search (and (or (term «A») (term «B»)) (term «C»))))", ""},
	{"A B OR C", "(pipe (search (and (term «A») (or (term «B») (term «C»)))))", ""},
	{"A AND B OR C", "(pipe (search (and (term «A») (or (term «B») (term «C»)))))", ""},
	{"A OR B AND C OR D", "(pipe (search (and (or (term «A») (term «B»)) (or (term «C») (term «D»)))))", ""},
	{"NOT f IN (a,b)", "(pipe (search (not (in f «a» «b»))))", ""},
	{"f IN (a, \"b c\", *d*)", "(pipe (search (in f «a» q«b c» «*d*»*)))", ""},
	{"f in (a, b)", "(pipe (search (in f «a» «b»)))", ""},
	{"f!=v", "(pipe (search (!= f «v»)))", ""},
	{"NOT f=v", "(pipe (search (not (= f «v»))))", ""},
	{"NOT NOT a", "(pipe (search (not (not (term «a»)))))", ""},
	{"NOT a OR b", "(pipe (search (or (not (term «a»)) (term «b»))))", ""},
	{"a or b", "(pipe (search (and (term «a») (term «or») (term «b»))))", ""},
	{"a and b not c", "(pipe (search (and (term «a») (term «and») (term «b») (term «not») (term «c»))))", ""},
	{"process=*\\\\cmd.exe", "(pipe (search (= process «*\\cmd.exe»*)))", ""},
	{"path=\"C:\\\\Windows\\\\*\" x=\\\"y\\\"", "(pipe (search (and (= path q«C:\\Windows\\*») (= x «\"y\"»))))", ""},
	{"a\\|b \"x\\\"y\"", "(pipe (search (and (term «a|b») (term q«x\"y»))))", ""},
	{"CommandLine=\"*-enc *\" OR CommandLine=*-e\\ *", "(pipe (search (and (or (= CommandLine q«*-enc *»*) (= CommandLine «*-e\\»*)) (term «*»*))))", ""},
	{"count>=5 count<10 x>1 y<=2", "(pipe (search (and (>= count «5») (< count «10») (> x «1») (<= y «2»))))", ""},
	{"field = value other= \"v\"", "(pipe (search (and (= field «value») (= other q«v»))))", ""},
	{"TERM(10.0.0.1) CASE(Admin)", "(pipe (search (and (TERM «10.0.0.1») (CASE «Admin»))))", ""},
	{"(a OR b) (c d)", "(pipe (search (and (paren (or (term «a») (term «b»))) (paren (and (term «c») (term «d»))))))", ""},
	{"()", "(pipe (search (paren nil)))", ""},
	{"a=", "(pipe (search (= a «»)))", ""},
	{"a= OR b", "(pipe (search (or (= a «») (term «b»))))", ""},
	{"*.exe", "(pipe (search (term «*.exe»*)))", ""},
	{"index=main sourcetype=\"WinEventLog:Security\" earliest=-24h@h", "(pipe (search (and (= index «main») (= sourcetype q«WinEventLog:Security») (= earliest «-24h@h»))))", ""},
	{"| tstats `security_content_summariesonly` count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where Processes.process_name=cmd.exe by Processes.dest Processes.user | `drop_dm_object_name(Processes)` | where count > 5", "(pipe (tstats opts=[(macro security_content_summariesonly)] aggs=[count min(_time)→firstTime max(_time)→lastTime] from=datamodel=«Endpoint.Processes» where=(= Processes.process_name «cmd.exe») by=[Processes.dest Processes.user]) (macro drop_dm_object_name \"Processes\") (where (> count 5)))", ""},
	{"| tstats summariesonly=true allow_old_summaries=true count from datamodel=Network_Traffic.All_Traffic where All_Traffic.dest_port IN (445, 139) by _time span=1h All_Traffic.src", "(pipe (tstats opts=[summariesonly=«true» allow_old_summaries=«true»] aggs=[count] from=datamodel=«Network_Traffic.All_Traffic» where=(in All_Traffic.dest_port «445» «139») by=[_time All_Traffic.src] byopts=[span=«1h»]))", ""},
	{"| mstats avg(_value) as v where index=metrics metric_name=\"cpu.*\" by host span=1m", "(pipe (mstats aggs=[avg(_value)→v] where=(and (= index «metrics») (= metric_name q«cpu.*»*)) by=[host] byopts=[span=«1m»]))", ""},
	{"x | where a=1 and b=2 or not c=3", "(pipe (search (term «x»)) (where (OR (AND (= a 1) (= b 2)) (NOT (= c 3)))))", ""},
	{"x | where a=1 AND (b=\"x\" OR NOT c LIKE \"%y%\")", "(pipe (search (term «x»)) (where (AND (= a 1) (paren (OR (= b \"x\") (NOT (LIKE c \"%y%\")))))))", ""},
	{"x | where like(cmd, \"%-enc%\") AND match(cmd, \"(?i)iex\") AND isnotnull(user)", "(pipe (search (term «x»)) (where (AND (AND (like() cmd \"%-enc%\") (match() cmd \"(?i)iex\")) (isnotnull() user))))", ""},
	{"x | where x IN (\"a\", \"b\") OR y in (1, 2)", "(pipe (search (term «x»)) (where (OR (IN x \"a\" \"b\") (IN y 1 2))))", ""},
	{"x | where 'user name'=\"admin\" AND user=admin", "(pipe (search (term «x»)) (where (AND (= 'user name' \"admin\") (= user admin))))", ""},
	{"x | eval a=1+2*3, b=(1+2)*3, c=-x % 2, d=\"a\".\"b\".c", "(pipe (search (term «x»)) (eval (:= a (+ 1 (* 2 3))) (:= b (* (paren (+ 1 2)) 3)) (:= c (% (- x) 2)) (:= d (. (. \"a\" \"b\") c))))", ""},
	{"x | eval s=case(x==1, \"one\", x==2, \"two\", true(), \"many\"), t=if(isnull(y), 0, y)", "(pipe (search (term «x»)) (eval (:= s (case() (== x 1) \"one\" (== x 2) \"two\" (true()) \"many\")) (:= t (if() (isnull() y) 0 y))))", ""},
	{"x | eval r=coalesce(a, b, \"none\") . lower(c)", "(pipe (search (term «x»)) (eval (:= r (. (coalesce() a b \"none\") (lower() c)))))", ""},
	{"x | rex field=cmd \"(?<user>\\w+)@(?P<host>[^ ]+)\" max_match=0", "(pipe (search (term «x»)) (rex opts=[field=«cmd» max_match=«0»] \"(?<user>\\\\w+)@(?P<host>[^ ]+)\" groups=[user host]))", ""},
	{"x | rex field=cmd mode=sed \"s/a/b/g\"", "(pipe (search (term «x»)) (rex opts=[field=«cmd» mode=«sed»] \"s/a/b/g\"))", ""},
	{"x | rex \"(?i)user=(?<user>\\S+)\"", "(pipe (search (term «x»)) (rex \"(?i)user=(?<user>\\\\S+)\" groups=[user]))", ""},
	{"x | stats count dc(user) as users values(*) by host, src", "(pipe (search (term «x»)) (stats aggs=[count dc(user)→users values(*)] by=[host src]))", ""},
	{"x | stats count(eval(status=\"fail\")) as fails, latest(_time) as last by user", "(pipe (search (term «x»)) (stats aggs=[count((eval() (= status \"fail\")))→fails latest(_time)→last] by=[user]))", ""},
	{"x | eventstats avg(count) as avg stdev(count) as sd by user", "(pipe (search (term «x»)) (eventstats aggs=[avg(count)→avg stdev(count)→sd] by=[user]))", ""},
	{"x | streamstats window=5 current=f count by user", "(pipe (search (term «x»)) (streamstats opts=[window=«5» current=«f»] aggs=[count] by=[user]))", ""},
	{"x | timechart span=1h count by host", "(pipe (search (term «x»)) (timechart opts=[span=«1h»] aggs=[count] by=[host]))", ""},
	{"x | chart count over host by user", "(pipe (search (term «x»)) (chart aggs=[count] over=host by=[user]))", ""},
	{"x | lookup update=true ut_shannon_lookup word as domain OUTPUT ut_shannon as entropy, ut_x", "(pipe (search (term «x»)) (lookup opts=[update=«true»] «ut_shannon_lookup» word→domain OUTPUT ut_shannon→entropy ut_x))", ""},
	{"x | lookup table a AS b OUTPUTNEW c", "(pipe (search (term «x»)) (lookup «table» a→b OUTPUTNEW c))", ""},
	{"| inputlookup append=t users.csv where role=admin", "(pipe (inputlookup opts=[append=«t»] «users.csv» where=(= role «admin»)))", ""},
	{"x | outputlookup users.csv", "(pipe (search (term «x»)) (outputlookup args=[users.csv]))", ""},
	{"x | table _time, host user \"Search Name\"", "(pipe (search (term «x»)) (table fields=[_time host user \"Search Name\"]))", ""},
	{"x | fields - _raw, *_time", "(pipe (search (term «x»)) (fields - fields=[_raw *_time]))", ""},
	{"x | fields + a b", "(pipe (search (term «x»)) (fields + fields=[a b]))", ""},
	{"x | rename Processes.* as *, \"a b\" AS c", "(pipe (search (term «x»)) (rename Processes.*→* \"a b\"→c))", ""},
	{"x | dedup 3 host user sortby -_time", "(pipe (search (term «x»)) (dedup args=[3 host user] sortby=[-_time]))", ""},
	{"x | bin _time span=5m", "(pipe (search (term «x»)) (bin opts=[span=«5m»] args=[_time]))", ""},
	{"x | bucket _time span=1h as t", "(pipe (search (term «x»)) (bucket opts=[span=«1h»] args=[_time] as=[t]))", ""},
	{"x | join type=outer max=0 user [search index=a | fields user]", "(pipe (search (term «x»)) (join opts=[type=«outer» max=«0»] fields=[user] [(pipe (search (= index «a»)) (fields fields=[user]))]))", ""},
	{"x | append [| makeresults | eval a=1]", "(pipe (search (term «x»)) (append [(pipe (makeresults) (eval (:= a 1)))]))", ""},
	{"x | appendpipe [stats count | where count=0]", "(pipe (search (term «x»)) (appendpipe [(pipe (stats aggs=[count]) (where (= count 0)))]))", ""},
	{"x [| inputlookup t.csv | fields user] NOT [inputlookup u.csv]", "(pipe (search (and (term «x») [(pipe (inputlookup «t.csv») (fields fields=[user]))] (not [(pipe (inputlookup «u.csv»))]))))", ""},
	{"x | spath input=props path=a.b{}.c output=c", "(pipe (search (term «x»)) (spath opts=[input=«props» path=«a.b{}.c» output=«c»]))", ""},
	{"x | fillnull value=0 a b", "(pipe (search (term «x»)) (fillnull opts=[value=«0»] args=[a b]))", ""},
	{"x | mvexpand values limit=10", "(pipe (search (term «x»)) (mvexpand opts=[limit=«10»] args=[values]))", ""},
	{"x | makemv delim=\",\" tokenizer=\"(\\w+)\" f", "(pipe (search (term «x»)) (makemv opts=[delim=q«,» tokenizer=q«(\\w+)»] args=[f]))", ""},
	{"x | transaction user maxspan=5m startswith=(action=\"start\") endswith=\"stop\"", "(pipe (search (term «x»)) (transaction opts=[maxspan=«5m» startswith=«(action=\"start\")» endswith=q«stop»] args=[user]))", ""},
	{"x | convert timeformat=\"%Y-%m-%d\" ctime(firstTime) ctime(lastTime) AS last", "(pipe (search (term «x»)) (convert opts=[timeformat=q«%Y-%m-%d»] ctime(firstTime) ctime(lastTime)→last))", ""},
	{"x | regex cmd=\"^\\w+$\"", "(pipe (search (term «x»)) (regex cmd = \"^\\\\w+$\"))", ""},
	{"x | regex cmd!=\"^a\"", "(pipe (search (term «x»)) (regex cmd != \"^a\"))", ""},
	{"x | regex \"foo\"", "(pipe (search (term «x»)) (regex \"foo\"))", ""},
	{"x | sort - count", "(pipe (search (term «x»)) (sort -count))", ""},
	{"x | sort 0 -_time, +str(user) num(n) desc", "(pipe (search (term «x»)) (sort count=«0» -_time +str(user) num(n) desc))", ""},
	{"x | head 10", "(pipe (search (term «x»)) (head count=«10»))", ""},
	{"x | head count>10", "(pipe (search (term «x»)) (head (> count 10)))", ""},
	{"x | tail limit=5", "(pipe (search (term «x»)) (tail opts=[limit=«5»]))", ""},
	{"x | top limit=10 process by host", "(pipe (search (term «x»)) (top opts=[limit=«10»] args=[process] by=[host]))", ""},
	{"x | rare user", "(pipe (search (term «x»)) (rare args=[user]))", ""},
	{"| datamodel Endpoint Processes search", "(pipe (datamodel args=[Endpoint Processes search]))", ""},
	{"| from datamodel:Risk.All_Risk", "(pipe (from args=[datamodel:Risk.All_Risk]))", ""},
	{"| makeresults count=1", "(pipe (makeresults opts=[count=«1»]))", ""},
	{"x | apply model threshold=0.01", "(pipe (search (term «x»)) (apply opts=[threshold=«0.01»] args=[model]))", ""},
	{"x | fit DensityFunction count by user into mymodel", "(pipe (search (term «x»)) (fit args=[DensityFunction count] by=[user] into=[mymodel]))", ""},
	{"x | collect index=summary", "(pipe (search (term «x»)) (collect opts=[index=«summary»]))", ""},
	{"x | sendalert risk param._risk_score=50", "(pipe (search (term «x»)) (sendalert opts=[param._risk_score=«50»] args=[risk]))", ""},
	{"x | foreach * [eval <<FIELD>>=trim(<<FIELD>>)]", "(pipe (search (term «x»)) (raw foreach \"* [eval <<FIELD>>=trim(<<FIELD>>)]\"))", ""},
	{"x | map search=\"search `wineventlog` user=$user$\"", "(pipe (search (term «x»)) (raw map \"search=\\\"search `wineventlog` user=$user$\\\"\"))", ""},
	{"x | `my_filter`", "(pipe (search (term «x»)) (macro my_filter))", ""},
	{"x | `m(a, \"b c\")` extra", "(pipe (search (term «x»)) (raw \"`m(a, \\\"b c\\\")` extra\"))", ""},
	{"`sysmon` EventCode=1 `cmd_filter(x)`", "(pipe (search (and (macro sysmon) (= EventCode «1») (macro cmd_filter \"x\"))))", ""},
	{"a ```comment``` b", "(pipe (search (and (term «a») (term «b»))))", ""},
	{"x | stats values(aceFlags) as aceFlags(inheritance) by y", "(pipe (search (term «x»)) (stats aggs=[values(aceFlags)→aceFlags(inheritance)] by=[y]))", ""},
	{"x | search a=1 | search b", "(pipe (search (term «x»)) (search (= a «1»)) (search (term «b»)))", ""},
	{"| search a", "(pipe (search (term «a»)))", ""},
	{"search a", "(pipe (search (term «a»)))", ""},
	{"x | eval", "", "1:5: eval without an assignment"},
	{"x | where", "", "1:5: where without a condition"},
	{"x | rename a", "", "1:13: expected AS after a, found end of command"},
	{"x | stats count by", "", "1:17: by without a field"},
	{"x | join a", "", "1:11: join needs a subsearch [...]"},
	{"x | append", "", "1:11: append needs a subsearch [...]"},
	{"x | bogus", "(pipe (search (term «x»)) (raw bogus \"\"))", ""},
	{"a | | b", "", "1:3: missing command after '|'"},
	{"a ) b", "", "1:3: unexpected ')'"},
	{"(a b", "", "1:1: '(' not closed"},
	{"x | eval a=(1+2", "", "1:12: '(' not closed"},
	{"x | where f(a b)", "", "1:15: expected ',' or ')', found word b"},
	{"\"unterminated", "", "1:1: string not terminated"},
	{"x | `unterminated", "", "1:5: macro not terminated"},
	{"a ]", "", "1:3: unexpected ']'"},
	{"[a b", "", "1:1: '[' not closed"},
	{"x | rex field=x", "", "1:16: rex needs a regular expression in quotes, found end of command"},
	{"a=1 [search b", "", "1:5: '[' not closed"},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		q, errs := Parse([]byte(tc.src))
		if q == nil || q.Pipeline == nil {
			t.Errorf("Parse(%q) returned no tree", tc.src)
			continue
		}
		checkSpans(t, tc.src, q)
		if tc.err != "" {
			if len(errs) == 0 {
				t.Errorf("Parse(%q) = %s, want error %q", tc.src, Dump(q), tc.err)
			} else if got := errs[0].Error(); got != tc.err {
				t.Errorf("Parse(%q) error = %q, want %q", tc.src, got, tc.err)
			}
			continue
		}
		if len(errs) > 0 {
			t.Errorf("Parse(%q): %v", tc.src, errs)
			continue
		}
		if got := Dump(q); got != tc.tree {
			t.Errorf("Parse(%q)\n got  %s\n want %s", tc.src, got, tc.tree)
		}
		checkRoundTrip(t, tc.src, q)
	}
}

// checkRoundTrip checks that q prints to text that parses to an equal tree.
func checkRoundTrip(t testing.TB, src string, q *Query) bool {
	t.Helper()
	out := Print(q)
	q2, errs := Parse([]byte(out))
	if len(errs) > 0 || !Equal(q, q2) {
		t.Errorf("round trip of %q\n printed %q\n errors  %v\n tree    %s\n again   %s", src, out, errs, Dump(q), Dump(q2))
		return false
	}
	return true
}

// checkSpans checks that every node's span lies inside the source and
// inside its parent's.
func checkSpans(t testing.TB, src string, root Node) {
	t.Helper()
	var stack []Node
	var visit func(n Node)
	visit = func(n Node) {
		sp := n.Span()
		if !sp.In(len(src)) {
			t.Errorf("%.60q: %T span %v outside the source (%d bytes)", src, n, sp, len(src))
		}
		if len(stack) > 0 {
			if ps := stack[len(stack)-1].Span(); !ps.Contains(sp) {
				t.Errorf("%.60q: %T span %v outside its parent %T %v", src, n, sp, stack[len(stack)-1], ps)
			}
		}
		stack = append(stack, n)
		eachChild(n, visit)
		stack = stack[:len(stack)-1]
	}
	visit(root)
}

// TestGolden pins the trees of the constructs whose reading is subtle,
// with the reason of each.
func TestGolden(t *testing.T) {
	for _, tc := range []struct{ name, src, tree string }{
		{"OR binds tighter than the implied AND", `A OR B C`,
			"(pipe (search (and (or (term «A») (term «B»)) (term «C»))))"},
		{"NOT applies to the IN", `NOT f IN (a,b)`,
			"(pipe (search (not (in f «a» «b»))))"},
		{"!= and NOT = are different nodes", `f!=v NOT f=v`,
			"(pipe (search (and (!= f «v») (not (= f «v»)))))"},
		{"unquoted values: \\\\ is one backslash, * a wildcard", `Image=*\\cmd.exe CommandLine=*\\\\server\\*`,
			`(pipe (search (and (= Image «*\cmd.exe»*) (= CommandLine «*\\server\*»*))))`},
		{"tstats, then a macro as a command, then where",
			"| tstats `security_content_summariesonly` count from datamodel=Endpoint.Processes where Processes.process_name=\"cmd.exe\" by Processes.dest | `drop_dm_object_name(Processes)` | where count > 5",
			"(pipe (tstats opts=[(macro security_content_summariesonly)] aggs=[count] from=datamodel=«Endpoint.Processes» where=(= Processes.process_name q«cmd.exe») by=[Processes.dest]) (macro drop_dm_object_name \"Processes\") (where (> count 5)))"},
		{"CASE() and TERM()", `CASE(Admin) TERM(10.0.0.1)`,
			"(pipe (search (and (CASE «Admin») (TERM «10.0.0.1»))))"},
		{"CASE() as a value", `host=CASE(LOCALHOST) msg=CASE(%ASA-1*)`,
			"(pipe (search (and (= host CASE«LOCALHOST») (= msg CASE«%ASA-1*»*))))"},
		{"where: lower-case and/or are operators, AND before OR", `x | where a=1 or b=2 and c=3`,
			"(pipe (search (term «x»)) (where (OR (= a 1) (AND (= b 2) (= c 3)))))"},
		{"search: lower-case and/or are terms", `a or b and c`,
			"(pipe (search (and (term «a») (term «or») (term «b») (term «and») (term «c»))))"},
		{"rex named groups", `x | rex field=cmd "(?<user>[^@]+)@(?P<domain>\S+)"`,
			`(pipe (search (term «x»)) (rex opts=[field=«cmd»] "(?<user>[^@]+)@(?P<domain>\\S+)" groups=[user domain]))`},
		{"stats as and by", `x | stats count min(_time) as firstTime by host, user`,
			"(pipe (search (term «x»)) (stats aggs=[count min(_time)→firstTime] by=[host user]))"},
		{"a subsearch as a search term", `index=a [search index=b | fields user]`,
			"(pipe (search (and (= index «a») [(pipe (search (= index «b»)) (fields fields=[user]))])))"},
	} {
		q, errs := Parse([]byte(tc.src))
		if len(errs) > 0 {
			t.Errorf("%s: %v", tc.name, errs)
			continue
		}
		if got := Dump(q); got != tc.tree {
			t.Errorf("%s: %s\n got  %s\n want %s", tc.name, tc.src, got, tc.tree)
		}
		checkRoundTrip(t, tc.src, q)
	}
}

// TestDeepNesting checks that 10,000 nested parentheses, NOTs, minus
// signs and subsearches are an error, not a crash.
func TestDeepNesting(t *testing.T) {
	const n = 10000
	for _, src := range []string{
		strings.Repeat("(", n) + "a" + strings.Repeat(")", n),
		strings.Repeat("NOT ", n) + "a",
		"x | eval a=" + strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"x | eval a=" + strings.Repeat("-", n) + "1",
		"x | where " + strings.Repeat("not ", n) + "a",
		"x | eval a=" + strings.Repeat("f(", n) + "1" + strings.Repeat(")", n),
		strings.Repeat("[search ", n) + "a" + strings.Repeat("]", n),
		"x | stats count(" + strings.Repeat("f(", n) + ")",
	} {
		q, errs := Parse([]byte(src))
		if q == nil {
			t.Fatalf("no tree for %.20q...", src)
		}
		found := false
		for _, e := range errs {
			if strings.Contains(e.Msg, "nesting deeper than") {
				found = true
			}
		}
		if !found {
			t.Errorf("%.20q...: no nesting error in %v", src, errs)
		}
		checkSpans(t, src, q)
	}
	// 1000 levels are allowed
	src := strings.Repeat("(", MaxDepth-1) + "a" + strings.Repeat(")", MaxDepth-1)
	if _, errs := Parse([]byte(src)); len(errs) > 0 {
		t.Errorf("%d levels: %v", MaxDepth-1, errs)
	}
}

// TestLex checks that Lex returns every token, comments included, and
// never fails.
func TestLex(t *testing.T) {
	src := "a=\"b\\\"c\" ```note``` | `m(1)` 'f x'.x!=1 <= >= == * Processes.dest 1.5 \x00"
	var kinds []string
	for _, tk := range Lex([]byte(src)) {
		kinds = append(kinds, tk.Kind.String()+":"+tk.Text)
	}
	want := []string{"word:a", "'=':=", `string:"b\"c"`, "comment:```note```", "'|':|", "macro:`m(1)`",
		"quoted field:'f x'", "'.':.", "word:x", "'!=':!=", "word:1", "'<=':<=", "'>=':>=", "'==':==",
		"'*':*", "word:Processes.dest", "word:1.5", "illegal character:\x00", "end of search:"}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Errorf("Lex:\n got  %q\n want %q", kinds, want)
	}
	for _, tk := range Lex([]byte(src)) {
		if tk.Kind.IsOperator() == tk.Kind.IsLiteral() && tk.Kind != EOF && tk.Kind != Illegal && tk.Kind != CommentTok {
			t.Errorf("%v: IsOperator and IsLiteral agree", tk.Kind)
		}
	}
	// unterminated things run to the end, with an error from Parse
	for _, s := range []string{"\"abc", "`abc", "```abc"} {
		toks := Lex([]byte(s))
		if len(toks) != 2 || toks[0].Span.End != len(s) {
			t.Errorf("Lex(%q) = %v", s, toks)
		}
		if _, errs := Parse([]byte(s)); len(errs) == 0 {
			t.Errorf("Parse(%q): no error", s)
		}
	}
}

// TestRecovery checks that an error in one command leaves the others read.
func TestRecovery(t *testing.T) {
	src := "a ) b | eval x=(1 | rename q | stats count by y | where z>1 AND | table t"
	q, errs := Parse([]byte(src))
	if len(errs) < 4 {
		t.Errorf("errors %v, want one for each of the four bad commands", errs)
	}
	want := "(pipe (search (and (term «a») (bad) (term «b»))) (eval (:= x (paren 1))) (rename q) (stats aggs=[count] by=[y]) (where (AND (> z 1) (bad))) (table fields=[t]))"
	if got := Dump(q); got != want {
		t.Errorf("tree\n got  %s\n want %s", got, want)
	}
	for _, e := range errs {
		if e.Line != 1 || e.Col < 1 {
			t.Errorf("unpositioned error %v", e)
		}
	}
	checkSpans(t, src, q)
}
