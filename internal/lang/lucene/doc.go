// Package lucene reads Lucene query strings (language = "lucene" in
// Elastic's detection rules): the syntax of Lucene's classic query parser as
// Elasticsearch's query_string query and Kibana's "Lucene" language read it.
// A lexer, a parser that always returns a tree with byte spans on every node
// and keeps going after an error, a printer whose output parses back to an
// equal tree, a walker, and the fields and predicates of a query.
//
// Reference pages:
// https://lucene.apache.org/core/9_0_0/queryparser/org/apache/lucene/queryparser/classic/package-summary.html
// (the syntax; the token definitions are QueryParser.jj's) and
// https://www.elastic.co/docs/reference/query-languages/query-dsl/query-dsl-query-string-query#query-string-syntax
// (what Elasticsearch adds: age:>=10, _exists_:field, field:* as exists).
//
// What is read: terms, field:term, "phrases", AND OR NOT and && || ! (the
// words in upper case only: and/or/not in lower case are terms, and so is a
// word that only starts with a keyword, "ANDroid", or "&&x"), + and -
// before a clause, wildcards * and ? (a word ending in one * is a prefix
// term), ranges [a TO b] {a TO b} (the brackets chosen apart, TO in upper
// case, * an open end), Elasticsearch's >=10 >10 <=10 <10 (read as plain
// terms; Term.Comparison and Predicates turn them into ranges), /regular
// expressions/, fuzzy ~ ~2 ~0.8 and proximity "a b"~5, boosts ^2 ^0.5, groups
// ( ) and field:( ), backslash escapes (\uXXXX too), `*:` for every field.
// Lexical quirks of JavaCC's longest match are kept: a tab inside a range is
// part of a bound, a + - or ! before white space is a term of its own.
//
// What is kept: each clause's conjunction and modifier as written (Lucene
// has no precedence between AND and OR: BooleanQuery.Occurs computes the
// MUST, SHOULD and MUST_NOT Lucene's QueryParserBase.addClause gives them),
// every term, phrase and bound as written (Raw) and decoded (Value), the
// spans of fields, colons, keywords, signs, brackets, parentheses and
// suffixes. The syntax has no comments, so Lex returns none.
//
// Semantics the lowering needs: matching depends on the field's mapping
// (keyword fields exact and case-sensitive, text fields analysed); wildcard,
// prefix, regexp and fuzzy terms are not analysed; `a OR b AND c` is
// `a +b +c` (a only scores), which Elasticsearch's page warns about; a
// query of only MUST_NOT clauses matches every document but those; field:*
// is Elasticsearch's exists query, *:* matches everything.
package lucene
