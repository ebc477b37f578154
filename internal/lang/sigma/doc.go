// Package sigma reads Sigma, the shared rule language of detection
// engineering, as its specification (v2.1.0, SigmaHQ/sigma-specification)
// defines it: detection rules, correlation rules, meta filters, files of
// several YAML documents, and the legacy collections of Sigma 1 (action:
// global, reset, repeat).
//
// Parse(src []byte) reads a file into a File of Documents, keeping the line
// and column of every key and value (go.yaml.in/yaml/v3 nodes), and returns
// the partial tree with every problem as a diag.ErrorList (errors and
// warnings, each with its severity; also in File.Errors), sorted by
// position: a span at a byte offset of the file, a line from 1 and a
// column counted in runes, as package diag counts them for every front end
// (and as the YAML reader does). A Document holds its metadata (Meta), log source, and either a
// Detection (search identifiers as Search → Alt → Match → Value, with the
// value modifiers of the specification validated, and the conditions parsed),
// a Correlation or a Filter.
//
// The condition language has its own lexer and recursive-descent parser,
// usable alone: ParseCondition returns a diag.ErrorList and an Expr tree (Ident, OfExpr, NotExpr,
// BinaryExpr, ParenExpr, BadExpr) with byte spans, whose String form parses
// back to the same tree. Precedence, least to most binding: or, and, not,
// "1/any/all of", parentheses. Keywords are read in any case, with a warning
// when not in lower case (the reference implementation, pySigma, reads only
// lower case). Aggregations ("| count()") and "near", removed in Sigma 2,
// are errors that say so.
//
// Every input is safe: work and memory are bounded by MaxFileSize,
// MaxDocuments, MaxNodes (checked on an upper bound of the node count before
// the YAML parser runs, and again with aliases expanded before the tree is
// walked), MaxYAMLDepth and MaxConditionDepth, each giving a diagnostic.
package sigma
