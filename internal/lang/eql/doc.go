// Package eql reads Elastic's Event Query Language as elastic/detection-rules
// writes it: a lexer (Lex, every token with its byte span, comments
// included), a parser (Parse) that always returns a tree, partial where the
// source is wrong (BadHead, BadExpr), with every problem positioned in a
// diag.ErrorList, a printer (Print) whose output parses back to an Equal
// tree, a walker (Inspect), and two readings for the lowering: Fields (every
// field named) and Predicates (every test, with its case sensitivity,
// wildcards and negation).
//
// # What is read
//
//   - Event queries: `category where condition`; a category is any name,
//     `any` matching every category.
//   - `sequence [by k, ...] [with maxspan=N(ms|s|m|h|d)] [...] [...] ...
//     [until [...]]`, each step `[query] [by k, ...] [with runs=N]`, missing
//     events `![query]`; `sample by k, ... [...] [...]`; the eql package's
//     `join`.
//   - Pipes: `| head N`, `| tail N`, `| filter cond`, `| unique k...`,
//     `| count k...`, `| unique_count k...`, `| sort k...` (arguments
//     comma-separated, or two or more separated by spaces).
//   - Conditions: and, or, not (not binds tighter than and, and than or;
//     not a == b is not (a == b)); == != < <= > >= (not chained); in, in~,
//     not in, with lists (a trailing comma allowed); the string predicates
//     `:`, like, like~, regex, regex~ with one string or a parenthesised list;
//     arithmetic + - * / %, a sign; function calls (names in any case, ~
//     variants such as startsWith~, and the method form f:length());
//     `descendant of [...]`, `child of [...]`, `event of [...]`.
//   - Fields: dotted names, array indexes (process.args[0]), backquoted parts
//     (`my field`, a.`0`.b), optional fields (?process.code_signature.trusted).
//   - Literals: "..." with the escapes \b \t \n \f \r \" \' \\ \u{XX}; raw
//     """...""" (no escapes, on one line); integers, decimals (.5, 1e3);
//     true, false, null. Comments // and /* */.
//
// What the Elasticsearch syntax rejects is reported as an error, as the eql
// package does when detection-rules validates a rule: single-quoted strings
// and the eql package's ?"..." raw strings (it lexes them, then rejects
// them), `=` for ==, an invalid escape ("C:\Windows": use """...""").
// Keywords are lower case in EQL (the eql package rejects AND); this parser
// reads and, or and not in any case as the operator, with a warning.
// Like the eql package it checks what can be checked without a schema: the
// arity of the functions it knows (unknown functions take any arguments, as
// detection-rules configures it), types of literals, arithmetic and
// conditions (x * y == "s" compares a number to a string), the time unit of
// maxspan, runs > 1, as many by keys in each step as in the first, maxspan
// with a missing event, pipes and their arity.
//
// # What is kept raw
//
// Every literal keeps its text as written (Literal.Raw) beside its decoded
// value; every field keeps its text (Field.Raw, with '?' and backquotes)
// beside its parts. Comments are in Query.Comments. Query.Src is the source
// the spans point into.
//
// # Semantics, for the lowering
//
// From https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html:
// == and != are case-sensitive and literal (== "*.exe" matches the
// asterisk); : is case-insensitive and takes the wildcards * (any run) and
// ? (one character), and a list matches when any value does; like and regex
// are case-sensitive, like~ and regex~ are not; in is case-sensitive, in~
// is not; the ~ functions (startsWith~, endsWith~, stringContains~...) are
// case-insensitive and the others case-sensitive
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-function-ref.html);
// x != null tests that x exists; ?field is a field that may be absent from
// the index (a test on it is false, not an error); `process where` filters
// event.category (or the rule's event_category_override); a sequence's by
// keys are joined pairwise with each step's own.
package eql
