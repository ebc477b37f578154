// Package kuery reads KQL, the Kibana Query Language (language = "kuery" in
// Elastic's detection rules): a lexer, a parser that always returns a tree
// with byte spans on every node and keeps going after an error, a printer
// whose output parses back to an equal tree, a walker, and the fields and
// predicates of a query.
//
// The grammar is Kibana's own, packages/kbn-es-query/src/kuery/grammar/grammar.peggy
// (elastic/kibana), and the semantics Elastic's reference page,
// https://www.elastic.co/docs/reference/query-languages/kql. What is read:
//
//   - field:value, field:"a phrase", field:(a or b and not c) (value lists
//     with and, or, not and groups), field:* (the field exists), ranges
//     field < v, <=, >, >=, nested queries field:{ sub:value }, free text
//     (a value with no field, searched in every field), groups ( ... );
//   - and, or, not in any case. not binds tighter than and, and than or.
//     Whether and/or/not is a keyword depends on the white space around it,
//     as in the grammar: `or` and `and` need white space on both sides, `not`
//     white space after it. So `f: a or` (at the end) is the one value "a or",
//     and a word ending in "not" before white space ends there ("cannot x" is
//     "can", then the keyword, an error). One `not` only before a clause:
//     `not not x` is an error in Kibana, and here;
//   - an unquoted value runs over white space up to a keyword or a special
//     character (f: a b is the one value "a b"); its words are kept with the
//     white space between them, and Kibana trims its ends;
//   - escapes of unquoted values: \t \r \n, a backslash before any of
//     \ ( ) : < > " * { }, \uXXXX, and \or \and \not (any case; but \not in
//     lower case is \n then "ot", the grammar trying \n first); any other
//     backslash is an error. In quoted strings: \t \r \n \uXXXX \\ \" and any
//     other backslash is itself ("C:\Windows" is C:\Windows, but "C:\temp"
//     holds a tab);
//   - `*` is the only wildcard, in unquoted values and field names; `?` is a
//     plain character. Quoted values have no wildcards. An unquoted true,
//     false or null is typed (LitType), as Kibana's literal node is.
//
// What is kept: every literal as written (Literal.Raw) and decoded
// (Literal.Value, with the offsets of its wildcards in Literal.Stars); the
// spans of keywords, operators, parentheses and braces; groups (ParenExpr,
// ValueGroup) so that printing keeps them. KQL has no comments, so Lex
// returns none.
//
// Semantics the lowering needs (from the reference page): on keyword,
// numeric, date and boolean fields a value is an exact, case-sensitive
// match; on text fields it is analysed (a quoted value is then a phrase).
// field:* tests that the field has a value; not negates the clause or value
// it applies to (a negated field:value also matches documents without the
// field). Kibana turns field:value into a match query (match_phrase when
// quoted), a value with a wildcard into a query_string query on the field,
// field:* into an exists query, free text into a multi_match (a
// query_string when it has a wildcard), a range into a range query, and an
// exact value on a date field into a range from the value to itself
// (packages/kbn-es-query/src/kuery/functions/is.ts). Predicates reports each test with its field (with the nested path),
// kind, decoded value, quoted and wildcard flags and whether an odd number of
// nots apply.
package kuery
