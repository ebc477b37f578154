// Package yaral reads YARA-L 2.0, the rule language of Google Security
// Operations (Chronicle): a lexer, a parser that builds a tree with byte
// spans on every node and keeps going after an error (a partial tree with
// *Bad nodes and every error, positioned with package diag), a printer
// whose output parses back to an equal tree, Dump (the tree as an
// S-expression), a walker, and the helpers the lowering needs
// (Rule.Variables, Rule.Bindings, Rule.Joins, Conjuncts, Disjuncts).
//
// What is read: files holding one rule or several; `rule NAME { ... }`
// with its sections meta, events, match, outcome, condition, options (in
// that order, as the reference requires: the parser reports one out of
// order or repeated, and keeps it); // and /* */ comments (kept in
// File.Comments, and as Comment tokens by Lex). Keywords are read in any
// case (and, OR, NOT, In, Nocase...).
//
//   - meta and options: `key = value` lines.
//   - events: one predicate tree per line (EventsSection.Lines), ANDed:
//     comparisons (= != < <= > >=) of event fields ($e.principal.ip,
//     $e.labels["k"], $e.about[0].ip), placeholders ($user), literals and
//     function calls; `nocase` after a comparison, an `in` or a predicate
//     call; regular expressions /.../ (= matches, != does not);
//     `in %list`, `in regex %list`, `in cidr %list`, `%table.column`;
//     function calls with dotted names (strings.to_lower, re.regex,
//     net.ip_in_range_cidr, math.abs...); `any`/`all` before a predicate
//     on a repeated field; `not`; and, or, parentheses; + - * / and
//     unary minus.
//   - match: `$a, $b over 5m` (hop), `$a by 5m` (tumbling),
//     `$a over 5m before|after $e` (sliding).
//   - outcome: `$var = expression` (max, count_distinct, array_distinct,
//     sum, if(cond, a, b), arithmetic...).
//   - condition: an expression of $e, #e (count), !$e, comparisons of
//     counts and outcome variables, and, or, not.
//
// Precedence, from the reference: "By default, the precedence order from
// highest to lowest is not, and, or", and in the events section the
// predicates that no explicit operator joins are ANDed last: `a or b`
// and then `c` on the next line is (a or b) and c, and a line beginning
// with `or` continues the line before. The parser does not look at line
// breaks: an expression ends where the next token cannot continue it.
//
// What is kept raw: literals keep their source text (Raw) beside their
// decoded value (String.Value with "\"" "\\" "\n" "\t" "\r" undone, a
// back-quoted string as it is; Regex.Pattern with \/ undone; Number.Value;
// DurationLit.Value and Unit). Function names are not checked against
// Google's list, nor UDM field names against the schema, nor types: a
// rule the remote validator would refuse for its meaning (an unknown
// function, a placeholder never bound, `or` between events in the
// condition) is read without error.
//
// Meaning, for the lowering (the tree does not apply it):
//   - Case: string comparisons (= != and the others) are case-sensitive;
//     `nocase` after a comparison, a regular expression, `in regex %list`
//     or a predicate call (re.regex(...) nocase) makes that one
//     case-insensitive (Compare.Nocase, In.Nocase, Call.Nocase). Keywords
//     and section names are read in any case; field names and function
//     names are kept as written.
//   - Regular expressions (`= /re/`, re.regex(f, `re`), `in regex %l`) are
//     RE2 and match a substring: no implicit anchors, ^ and $ anchor, and
//     a value with newlines is matched on its first line unless the
//     pattern starts with (?s)
//     (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-functions/re-regex).
//     `!= /re/` is the negation of `= /re/`. There are no wildcards: the
//     prefix, suffix and contains of other languages are regular
//     expressions or strings.contains / strings.starts_with /
//     strings.ends_with calls here.
//   - Negation: `not X` negates the predicate tree X; `!=` negates `=`;
//     `not $f in %list` is the negation of the in (not binds looser than
//     in). On a repeated field a bare predicate is tried on each element;
//     `not all $e.ip = "x"` (some element differs) is not the same as
//     `all $e.ip != "x"` (none is equal); see Quantified.
//   - Variables: an event variable with a field path is an event; a
//     placeholder bound by `$p = $e.field` (either side) joins every event
//     whose field it is bound to; `$e1.f = $e2.g` joins two events
//     directly. Literals may be on the left (`"x" = $e.f`, `1024 < $e.port`).
//
// References:
//   - https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax
//   - https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-overview
//   - https://cloud.google.com/chronicle/docs/yara-l/expressions
//   - https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-functions
//   - https://cloud.google.com/chronicle/docs/yara-l/repeated-fields
package yaral
