// Package examples holds example rules written for ruledex, one or more per
// rule format it reads (Sentinel analytic and hunting YAML, a Defender XDR
// custom detection, KQL markdown in the Bert-JanP and Microsoft 365 Defender
// layouts, raw .kql files, Sigma rules, correlations and filters). They are
// what `ruledex serve` shows when it is given no catalog and no folder, and
// what the golden tests of package ingest read.
package examples

import (
	"embed"
	"io/fs"
)

// Every folder of examples, one a language (kql, sigma, ...): a new
// language's examples are embedded by being put in a folder here.
//
//go:embed */*
var files embed.FS

// FS returns the example rules, by language folder (kql/..., sigma/...), with
// slash-separated paths relative to the examples folder.
func FS() fs.FS { return files }
