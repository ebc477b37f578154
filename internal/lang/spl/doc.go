// Package spl reads Splunk's Search Processing Language as detection rules
// write it (splunk/security_content's `search:`): a lexer, a parser that
// builds a tree with byte spans on every node and keeps going after an error
// (a partial tree with Bad* nodes, and every error, positioned), a printer
// whose output parses back to an equal tree, a walker, a tree dump for
// tests, and macro expansion.
//
// # What is read
//
// A search is a pipeline of commands separated by '|' (Pipeline); the first
// command of a pipeline written without a leading '|' is the implied search
// (a *SearchCommand with a nil Name), a leading '|' introduces a generating
// command (| tstats, | inputlookup, | makeresults). [ ... ] is a subsearch,
// itself a pipeline: a search term, or the argument of join, append,
// appendcols and appendpipe; a subsearch that begins with a command name
// ([inputlookup t.csv], appendpipe [stats count]) runs that command.
// Macros, `name` and `name(a, "b")`, stay *Macro nodes where they stand: as
// a command, as a search term, as an option of tstats, as an eval operand;
// one glued to other text (summariesonly=`cfg`) is in the Macros of its
// Value. ```comments``` are in Query.Comments (and in Lex's tokens).
//
// Typed commands: search (SearchExpr), where (Expr), eval (assignments),
// stats, eventstats, streamstats, tstats and mstats (options, functions
// with `as`, `from datamodel=X.Y`, `where` as a search expression, `by`
// with span=), timechart, chart (`over`), rex (options, the regex, its
// named groups), regex (field, = or !=, the regex), lookup (table, fields
// with AS, OUTPUT/OUTPUTNEW), inputlookup (table, where), table, fields
// (+/-), rename (a AS b, wildcards), join, append*, sort, head/tail,
// convert. Commands read as options, positional words and keyword clauses
// (ArgsCommand): fillnull, mvexpand, makemv, transaction, spath, bin and
// bucket, dedup (sortby), top and rare (by), outputlookup, datamodel, from,
// makeresults, apply, fit (from, into, by), collect, sendalert, iplocation
// and the other commands of the argsCommands table. Any other command
// (foreach, map, replace, ...), and an ArgsCommand whose arguments that
// reading does not cover, is a *RawCommand: its name and its arguments as
// written, never an error for being unknown.
//
// # The search expression
//
// Terms are runs of characters written without space; between terms the AND
// is implied. OR binds tighter than AND, so `A OR B C` is (A OR B) AND C;
// NOT binds tighter still and applies to the one term after it. AND, OR and
// NOT are operators only in upper case: `a or b` is three terms.
// https://docs.splunk.com/Documentation/Splunk/latest/Search/Booleanexpressions
// A term is a keyword or phrase (SearchTerm), field op value with op one of
// = != < <= > >= (SearchCompare), field IN (v, ...) (SearchIn; IN in any
// case), TERM(x) or CASE(x) (SearchDirective), a parenthesised group, a
// macro or a subsearch. Values keep their text as written (Raw) and decoded
// (Text: quotes off, \\ \" \| unescaped; other backslashes stay, as
// C:\Windows must); Wildcard tells that Text holds a '*'.
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Search
//
// # The eval expression
//
// eval, where, stats functions' arguments and head's condition use eval's
// language: OR < XOR < AND < NOT < comparison (= == != < <= > >= LIKE IN) <
// + - . < * / % < unary - +, the word operators in any case. 'name' is a
// field, "text" a string, a bare word a field (in where, x=y compares two
// fields), name(...) a function call.
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Eval
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Where
//
// # Meaning, for the lowering
//
//   - Case: in a search, field names are case-sensitive, values and terms
//     are not, unless inside CASE(); TERM() matches the whole term including
//     minor breakers (dots, dashes). In eval and where, string comparisons
//     (=, ==, !=, IN) are case-sensitive; like() and LIKE use % and _ and are
//     case-sensitive; match() is a PCRE search, case-sensitive unless (?i).
//     https://docs.splunk.com/Documentation/Splunk/latest/Search/Casesensitivity
//   - Wildcards: '*' in a search value or term matches any run of
//     characters, quoted or not ("*\\cmd.exe" and *\\cmd.exe alike); field=*
//     means the field exists. In eval and where '*' is multiplication, and
//     wildcards are written with like(). In field lists (table, fields,
//     rename, stats by) '*' matches field names.
//   - Negation: field!=value matches the events where field exists with
//     another value; NOT field=value also matches those without the field.
//     NOT field IN (...) is the negation of the whole IN. regex field!="re"
//     drops the events that match. In where, != and NOT are null-aware as
//     eval is (a comparison with a missing field is false).
//     https://docs.splunk.com/Documentation/Splunk/latest/Search/NOTexpressions
//   - tstats' where is a search expression over indexed or data model
//     fields (Processes.process_name); `drop_dm_object_name(X)` (a macro of
//     Splunk's apps, not of the corpus) renames X.* to *.
//   - Macros: Expand replaces the calls outside quoted strings and comments
//     (Splunk does not expand a macro inside a quoted value); definitions are
//     keyed name(N) by argument count, $arg$ is replaced by the argument as
//     written (quotes kept), nesting is bounded at MaxMacroDepth, a cycle is
//     an error, unknown macros are left in place and listed.
//     https://docs.splunk.com/Documentation/Splunk/latest/Knowledge/Usesearchmacros
//
// Reference: the Search Reference,
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/, and
// its grammar, searchbnf.conf.
package spl
