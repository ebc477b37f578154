// Package build is the pipeline that makes a catalog: it reads rule
// sources (package ingest), reuses the rules of files that did not change
// since the last catalog, cross-references every rule (ingest.Link and
// package catalog: correlation targets, indicator corpus counts,
// near-duplicates, alert feeds, same-action links and events), writes the
// catalog to a new file (package store, which keeps the schema, the writing
// and the reading) and renames it over the last one, so that a crash or a
// cancelled build leaves the last good catalog. A rebuild that changes few
// rows (inPlaceUpTo) writes over it in place instead, in one SQLite
// transaction, whose journal gives the last good catalog back after a
// failure or a crash.
//
//	sum, err := build.Build(ctx, build.Options{DB: "ruledex.db", Sources: []build.Source{{Name: "sigma", Path: "/src/sigma"}}})
//
// Files whose size and modification time, or else SHA-256, are the ones the
// last catalog recorded are not read again. The *Summary tells rules per
// platform and kind, files read and skipped (and why), and diagnostics by
// severity. `ruledex build`, `ruledex serve SOURCE...` (into a temporary
// catalog) and the tests' catalogs (package buildtest) all build through
// Build.
//
// # Memory: rules held out of memory
//
// The cross-references need every rule at once, but not whole. Sources are
// read one after the other (the files of one on every core); once a
// source's rules have their ids (ingest.IDs), are linked with each other
// (ingest.LinkRepo, when the source changed) and are prepared for the
// cross-reference (catalog.Prepare: kind, events, action keys, logic,
// canonical indicators), each is written whole to a temporary file beside
// the catalog (held.go: the spill, in the catalog's own encoding) and only
// its skeleton stays in memory: ids, title, source, kind, relations,
// tables, indicators, events, canonical indicators, diagnostics, interned,
// and its query only as far as linking and duplicate-id read it. Linking
// across repositories (ingest.LinkCorpus), the cross-reference
// (catalog.CrossReferencePrepared) and the lint checks across the corpus
// run over the skeletons; WriteCatalog reads each rule back whole as it
// writes it (store.Write.Full), with what the skeleton was given, and runs
// the per-rule lint checks on it then (store.Write.Lint). The catalog is
// the one a build of whole rules made, table for table (checked over the
// corpus: every table but the build's time and fingerprint).
//
// # Incremental builds
//
// The catalog keeps what a build held of each rule (store's table held:
// heldRecord, the skeleton before the cross-reference, what Prepare made of
// it and the checks it turns off), with the hashes of what the
// cross-reference and linking gave it (store.OverlaySum), of its body and
// of its findings. The rules of a source none of whose files changed
// (none read, none gone; a file that gives no rule, now as before, is no
// change) are taken from these records (fileResult.decodeHeld,
// heldRules): no body decoded, no Prepare, nothing spilled; the
// rule whole is read from the last catalog only when its row must be
// written again (store.Previous.Whole). The rules of a source that changed
// are decoded whole from the last catalog's bodies (store.Previous.Decode)
// and held as the rules read now are: that source is linked again
// (ingest.LinkRepo), which may lower any of its rules again. A rule the last
// catalog holds as it is (store.Previous.Kept: the same file content and
// id, the same rule as read, the same overlay) keeps its row untouched and
// its stored findings of the per-rule lint checks, which do not run on it
// again; the checks across the corpus (the same id twice, near-duplicates,
// common indicators) run over every rule, so the findings are a full
// build's (TestIncrementalFindingsAsFull), but only a rule's findings that
// changed are written again. TestIncrementalHeld: both paths make a full
// build's catalog.
//
// A rebuild that finds every rule held as the last catalog held it (the
// rules read again, and those of their sources decoded and linked again,
// each with the held record the catalog stores, byte for byte; the rules
// of the other sources in their rows with their ids; the same files and
// sources: heldRules.changed false, sameFiles) would make the last
// catalog's cross-references again, since they read only what the held
// records hold: it keeps them instead (writeAsBuilt, store.Write.AsBuilt).
// No linking across repositories or cross-reference runs, nor the check
// across the corpus that reads its counts (lint.FromCounts: its findings
// are the last catalog's); the same-id check runs (it places its findings
// in the file as it is now). A rule of a file read again, or of a
// repository linked again (which may change its body: a language's link
// step may read the repository's shared definitions, such as a deployment's
// schedule, into its rules), is made whole with what the
// last catalog's rule was given (store.Previous.StoredOverlay) and
// compared whole with its row, as without this; a rule held as the last
// catalog held it keeps its row and findings; the links are the last
// catalog's (store.Previous.LinksAsBuilt). A comment, a description,
// references or an author changed are such changes (a title, a detection
// or a severity are not: the skeleton holds them; a quick rebuild takes a
// title as such a change, sameHeldButTitle). TestAsBuiltAsFull,
// TestAsBuiltRelinked, TestAsBuiltFindingColumns and
// TestIncrementalCorpus: such a rebuild makes a full build's catalog.
//
// Such a rebuild still loads every held record and walks every rule. A
// quick rebuild (quick.go) is tried first, when few files are read again
// (quickFiles) and none is new or gone: only the rules of the files read
// again are loaded from the last catalog (store.Previous.LoadFiles), read
// and linked again, with the definitions their language links them with
// (lang.Language.LinkDefinitions: a search with its repository's
// macros; every rule of the repository, LoadRepo, when a
// definition's file is read again or the language names none), and
// compared with their held records; when every one is held as it was,
// with the id it had, the rows of those whose body changed are written
// again in their rows, in place (store.WriteRewrite), their findings of
// the checks across the corpus the stored ones placed again
// (lint.PlaceAgain). Anything else leaves it to the whole way, which
// starts from the build's files as they were.
// The as-built tests run both ways (bothWays); quick_test.go compares
// every table and the search index with a full build's.
//
// # Where the time and memory go (issue 20)
//
// Profiles of `go test -run TestX -cpuprofile` around Build, at N forks of
// the corpus (10,938 rules a fork), load 10 to 16 on two cores, CPU seconds:
//
//   - One file changed, N = 5 (40 s CPU before this package linted only
//     what changed): cross-reference 11.8 (catalog.CrossReference 8.7, of
//     which the per-rule part, ActionKeys, events and CanonicalIndicators
//     recomputed for every reused rule, about 4.5; ingest.Link 3.1, nearly
//     all of it a language's cross-file lowering re-run over every rule of
//     its repositories), lint 5.1 (now the corpus checks only), loading the
//     last catalog's bodies 3.3 and decoding them 2.8, rewriting every
//     finding 2.8 (store), garbage collection 4.6. Every one of these is
//     linear in the rules of the catalog, not in those that changed; the
//     copy of the last catalog and its sync to the disk is a floor in wall
//     time as well: 1 s for 180 MB at N = 1, 22.7 s (3.8 s CPU) for the
//     3.0 GB of N = 15 (cp and sync, load 16), eleven times the 2 s an
//     incremental build should take there. On a file system without
//     copy-on-write copies (ext4), a catalog that is copied whole can not be
//     rebuilt in 2 s: the change has to be written in place, in one SQLite
//     transaction (its journal gives the last good catalog back after a
//     failure or a crash), and serve has to notice it (the file's change
//     counter) instead of relying on a catalog never changing under it.
//   - Full build, N = 15 (the session's first ruledex): 21 min 47 s wall
//     (load 10 to 16), 645 s CPU, 8.55 GB peak.
//   - Full build, N = 5 (145 s CPU, 2.4 GB peak): writing 50 (store's
//     inserts), reading and lowering 28, cross-reference 14, lint 5.6. A
//     rule lives as 13 kB once read and 20 kB once cross-referenced (N = 1:
//     135 MB, 212 MB), and every rule lives from its reading until it is
//     written, so the peak grows with the corpus (0.58 GB at N = 1).
//
// Since (the rules held out of memory, 2026-12-06 afternoon, load 8 to 12):
// N = 1 634 → 402 MB peak, N = 5 2.55 → 1.2 GB, N = 15 8.99 → 5.18 GB
// (10 min 38 s wall, 361 s CPU). A heap profile at N = 5 after the
// cross-reference: skeletons 170 MB of 330 MB live (the rule structure alone
// 1 kB a rule), indicator and canonical counts 60 MB; a CPU profile of the
// whole build at N = 5 (87 s): writing 31% (SQLite's inserts and FTS5
// 22%, the facet rows' sort 7%), reading and lowering 20%, the garbage
// collector 13%, holding the rules (encoding, skeletons, reading back) 9%,
// the cross-reference 7%, lint 5%.
//
// Since (held records, 2026-12-06 evening): one file changed at N = 15
// 120 → 69 s CPU, 1m20s → 59 s wall (README's figures). What is left of
// it (--cpuprofile): the cross-reference over every rule 19 s, encoding
// every rule's links 8.6 s, the garbage collector 10 s, reading the last
// catalog's rules 5.4 s, writing 5 s, lint 3 s, and the copy of the last
// catalog in wall time.
//
// Since (the links made a rule at a time, 2026-12-06 night): the
// cross-reference gives each rule's same-action and same-behaviour links and
// near-duplicates, by the other rules' places, to a store.LinkEncoder as it
// makes them (catalog.CrossReferencePrepared's emit), so no rule's list of
// references waits for the others' (they grew as N²): N = 15 full build
// 4.20 → 2.57 GB, 3m20s → 2m28s; one file changed 59 → 47 s CPU, 43 → 30
// s wall (ruledex bench --scale 15). Live heap at N = 15: 0.93 GB at the
// end of the reading, 1.13 GB after the cross-reference, 1.17 GB as the
// writing starts (the rule structures of the skeletons the largest part).
//
// Since (the cross-references kept when every rule is held as the last
// catalog held it, 2026-12-07 night): one file changed at N = 15, a comment
// added, 29.6 → 20.4 s wall, 50 → 34 s CPU; its rule's title edited
// (every rule cross-referenced again) 27 s wall, 42 s CPU (ruledex bench
// --scale 15).
//
// Since (2026-12-07 morning): a rebuild that changes few rows writes over
// the catalog in place (store.Write.InPlaceUpTo), not into a copy: at N =
// 15 the comment 15 s (21.5 s with the copy), a detection value 25 to 29 s
// (29 to 35 s).
//
// Since (the quick rebuild, 2026-12-07 afternoon, quick.go): a comment
// added at N = 15, 15 s → 1.8 to 2.7 s wall and 2.2 GB → 260 to 400 MB
// by the size of the repository linked again (README); a rebuild that
// finds nothing changed 1.9 → 1.5 to 1.75 s (the last catalog's files
// read in ranges on both cores, not counted first). What
// is left is looking at every file (lstat) and reading the list of them.
// Since (2026-12-07 evening): the rules of the files read again alone are
// linked and compared, not every rule of their repository; the files are
// looked at as their folders are listed (ingest.ListStat); what a build
// prints at its end is read from two small indexes (migration 15): a
// comment at N = 15 1.5 to 2.0 s wall, 230 to 260 MB, by repository;
// nothing changed 1.3 to 1.5 s. A title edited is such a rebuild too
// (sameHeldButTitle).
//
// Since (the overlays spilled, 2026-12-07 evening, heldRules.spillOverlays):
// in a build without a last catalog, once the cross-reference and the
// checks across the corpus are made, each skeleton keeps its id, kind,
// source and names only, and what the
// writer needs of the rest waits in a spill of its own: the live heap as
// the writing starts at N = 15 about 1.0 GB → 565 to 650 MB (gctrace); the
// build's peak is now the cross-reference's (about 1.0 GB live, a heap
// goal of 2.0 GB), peak RSS 2.15 to 2.20 → 2.00 to 2.10 GB.
//
// Since (2026-12-07 night, memlimit.go): Options.LowMemory (`ruledex
// build --low-memory`) sets Go's soft memory limit to the live heap and
// 512 MiB (half of it when more) while a build runs: the full build at N
// = 15 peaks at 1.45 GB instead of 1.9 to 2.15 GB, for 7 to 21% more
// time, which takes it past 2 minutes: not the default. What lives at the
// peak (about 890 MB as the cross-reference runs) is what bounds it.
//
// What bounds both, not done yet: a compact record in place of the
// skeleton's rule structure; the cross-reference made incremental (only
// the groups of the keys of the rules that changed joined again) over
// indexes kept in the catalog; what depends on the corpus (indicator
// counts, inherited events) read from the store's tables at page time so
// that a rule's row never changes when another rule does; the last
// catalog's rules not read whole before a rebuild knows what changed.
package build
