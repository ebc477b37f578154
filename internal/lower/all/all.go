// Package all registers every language ruledex reads: importing it (as
// package ingest does) fills the registry of package lang. It is the one
// place that lists the languages.
package all

import (
	_ "github.com/ruledex/ruledex/internal/lower/elastic" // Elastic: TOML rules in EQL, kuery, ES|QL and Lucene
	_ "github.com/ruledex/ruledex/internal/lower/kql"     // KQL: Sentinel and Defender XDR
	_ "github.com/ruledex/ruledex/internal/lower/sigma"   // Sigma
	_ "github.com/ruledex/ruledex/internal/lower/spl"     // SPL: Splunk ESCU detections, savedsearches.conf, macros
	_ "github.com/ruledex/ruledex/internal/lower/yaral"   // YARA-L 2.0: Google SecOps (Chronicle)
)
