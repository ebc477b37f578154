package lint

import (
	"cmp"
	"slices"
)

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/), the part
// ruledex writes: one run, its tool's rules (the checks), and one result a
// finding with its physical location and partial fingerprint, as GitHub
// code scanning reads them.

// SARIFSchema is the schema address the log names.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// MaxSARIFResults is the most results GitHub code scanning takes in one run.
const MaxSARIFResults = 25000

// FingerprintKey names the partial fingerprint of a result.
const FingerprintKey = "ruledexFingerprint/v1"

// SARIFLog is a SARIF log.
type SARIFLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []SARIFRun `json:"runs"`
}

// SARIFRun is one run of the tool.
type SARIFRun struct {
	Tool       SARIFTool      `json:"tool"`
	ColumnKind string         `json:"columnKind"`
	Results    []SARIFResult  `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

// SARIFTool is the tool and its rules.
type SARIFTool struct {
	Driver SARIFDriver `json:"driver"`
}

// SARIFDriver is ruledex.
type SARIFDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []SARIFRule `json:"rules"`
}

// SARIFRule is a check.
type SARIFRule struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name"`
	ShortDescription     SARIFText           `json:"shortDescription"`
	FullDescription      SARIFText           `json:"fullDescription"`
	Help                 SARIFText           `json:"help"`
	HelpURI              string              `json:"helpUri"`
	DefaultConfiguration SARIFRuleConfig     `json:"defaultConfiguration"`
	Properties           map[string][]string `json:"properties,omitempty"`
}

// SARIFRuleConfig is a check's default level.
type SARIFRuleConfig struct {
	Level string `json:"level"`
}

// SARIFText is a message.
type SARIFText struct {
	Text string `json:"text"`
}

// SARIFResult is a finding.
type SARIFResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             SARIFText         `json:"message"`
	Locations           []SARIFLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

// SARIFLocation is where a finding is.
type SARIFLocation struct {
	PhysicalLocation SARIFPhysical `json:"physicalLocation"`
}

// SARIFPhysical is a file and a region of it.
type SARIFPhysical struct {
	ArtifactLocation SARIFArtifact `json:"artifactLocation"`
	Region           SARIFRegion   `json:"region"`
}

// SARIFArtifact is a file, by its address relative to the checkout.
type SARIFArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// SARIFRegion is a line and column (in Unicode code points).
type SARIFRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}

// SARIF returns the log of findings made by checks. uri gives each
// finding's file address, relative (slash-separated, no scheme). At most
// MaxSARIFResults results are kept, the most severe first; dropped says
// how many were left out.
func SARIF(findings []Finding, checks []*Check, version string, uri func(Finding) string) (log SARIFLog, dropped int) {
	run := SARIFRun{
		Tool: SARIFTool{Driver: SARIFDriver{Name: "ruledex", Version: version,
			InformationURI: HelpBase, Rules: []SARIFRule{}}},
		ColumnKind: "unicodeCodePoints",
		Results:    []SARIFResult{},
	}
	index := map[string]int{}
	for _, c := range checks {
		index[c.ID] = len(run.Tool.Driver.Rules)
		r := SARIFRule{ID: c.ID, Name: sarifName(c.ID), ShortDescription: SARIFText{c.Message},
			FullDescription: SARIFText{c.Help}, Help: SARIFText{c.Help}, HelpURI: c.HelpURI(),
			DefaultConfiguration: SARIFRuleConfig{Level: c.Severity}}
		if len(c.Languages) > 0 {
			r.Properties = map[string][]string{"languages": c.Languages}
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
	}
	fs := findings
	if len(fs) > MaxSARIFResults {
		fs = slices.Clone(fs)
		slices.SortStableFunc(fs, func(a, b Finding) int { return cmp.Compare(SeverityRank(b.Severity), SeverityRank(a.Severity)) })
		dropped = len(fs) - MaxSARIFResults
		fs = fs[:MaxSARIFResults]
	}
	for _, f := range fs {
		i, ok := index[f.Check]
		if !ok {
			continue
		}
		run.Results = append(run.Results, SARIFResult{
			RuleID: f.Check, RuleIndex: i, Level: f.Severity, Message: SARIFText{f.Message},
			Locations: []SARIFLocation{{PhysicalLocation: SARIFPhysical{
				ArtifactLocation: SARIFArtifact{URI: uri(f), URIBaseID: "%SRCROOT%"},
				Region:           SARIFRegion{StartLine: max(f.Line, 1), StartColumn: max(f.Col, 1)},
			}}},
			PartialFingerprints: map[string]string{FingerprintKey: f.Fingerprint},
		})
	}
	if dropped > 0 {
		run.Properties = map[string]any{"droppedResults": dropped}
	}
	return SARIFLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []SARIFRun{run}}, dropped
}

// sarifName returns a check's id in CamelCase (SARIF's rule name).
func sarifName(id string) string {
	b := make([]byte, 0, len(id))
	up := true
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c == '-' || c == '_' {
			up = true
			continue
		}
		if up && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b = append(b, c)
	}
	return string(b)
}
