// Package build is the pipeline that makes a catalog: it reads rule
// sources (package ingest), reuses the rules of files that did not change
// since the last catalog, cross-references every rule (ingest.Link and
// package catalog: correlation targets, indicator corpus counts,
// near-duplicates, alert feeds, same-action links and events), writes the
// catalog to a new file (package store, which keeps the schema, the writing
// and the reading) and renames it over the last one, so that a crash or a
// cancelled build leaves the last good catalog.
//
//	sum, err := build.Build(ctx, build.Options{DB: "ruledex.db", Sources: []build.Source{{Name: "sigma", Path: "/src/sigma"}}})
//
// Files whose size and modification time, or else SHA-256, are the ones the
// last catalog recorded are not read again. The *Summary tells rules per
// platform and kind, files read and skipped (and why), and diagnostics by
// severity. `ruledex build`, `ruledex serve SOURCE...` (into a temporary
// catalog) and the tests' catalogs (package buildtest) all build through
// Build.
package build
