// Package esql reads ES|QL, the Elasticsearch Query Language, as Elastic's
// detection rules write it (language = "esql"): a lexer, a parser that
// always returns a tree with byte spans on every node and every error met,
// a printer whose output parses back to an Equal tree, a walker (Inspect),
// and summaries of a query (Fields, Assigned, Predicates, Functions,
// CommandNames).
//
// A query is a source command then processing commands, each after a pipe:
//
//	FROM logs-endpoint.events.* METADATA _id, _index
//	| WHERE process.name LIKE "*.exe" AND NOT user.name IN ("SYSTEM", "root")
//	| STATS c = COUNT(*) BY host.name
//
// What is read, after Elasticsearch's ANTLR grammar
// (x-pack/plugin/esql/src/main/antlr in elastic/elasticsearch) and the
// command reference
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-commands.html):
//
//   - source commands FROM and TS (index patterns with clusters and
//     selectors, METADATA), ROW, SHOW INFO;
//   - processing commands WHERE, EVAL, STATS ... BY (aggregations with
//     WHERE filters), INLINE STATS and INLINESTATS, KEEP, DROP, RENAME
//     (a AS b and b = a), SORT (ASC, DESC, NULLS FIRST|LAST), LIMIT,
//     DISSECT (APPEND_SEPARATOR), GROK (several patterns), MV_EXPAND,
//     ENRICH (ON, WITH), LOOKUP JOIN (and LEFT/RIGHT JOIN) ... ON,
//     CHANGE_POINT, COMPLETION, RERANK, SAMPLE, FORK with its sub-pipelines;
//   - expressions with ES|QL's precedence, loosest first: OR, AND, NOT, the
//     predicates (== != < <= > >=, which do not chain; [NOT] IN (...);
//     [NOT] LIKE and RLIKE with a string or a list of strings; IS [NOT]
//     NULL; field : constant, the match operator), + -, * / %, unary - +,
//     and :: casts, tightest;
//   - function calls (names case-insensitive; FIRST and LAST are keywords
//     and function names), count(*), a last {map} argument; "..." strings
//     with \t \n \r \" \\ escapes, """...""" raw strings (neither may span
//     lines); `backquoted` names (a doubled backquote inside is one); dotted names (AS is
//     read as a part after a dot: source.as.number); parameters ?, ?name,
//     ?1; integers, decimals (1.5, .5, 1e3); durations and periods (1 day,
//     5 minutes: an integer then a unit word); arrays [1, 2]; null, true,
//     false; // and nested /* */ comments. Commands and keywords are read in
//     any case; field names are case-sensitive.
//
// The lexer is modal, as ES|QL's: the command name decides how the rest of
// the command is split, so that an index pattern (logs-*-2024.01), a name
// pattern (Esql.*) and an expression are each one thing. Lex returns every
// token, comments included, for highlighting.
//
// Kept raw: index patterns and ENRICH policy names (as written, * and -
// being Elasticsearch's multi-target syntax); DISSECT and GROK patterns
// (strings; DissectKeys and GrokKeys list the columns they make); the
// query strings of KQL("...") and QSTR("..."), which are other languages;
// a command this parser does not know (FUSE, URI_PARTS...), kept as an
// UnknownCommand with its text and an error.
//
// Errors are positioned (diag.Err, line and column in runes); after one,
// the rest of the command is skipped to the next pipe, so the others are
// still read. Nesting deeper than MaxDepth is an error; parsing is linear
// in the input.
package esql
