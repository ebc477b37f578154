package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
)

// Rewrite is a build that writes again, over the last catalog in place,
// the rows of a few rules it knows to be in their rows still, linked as
// they were (package build's quick rebuild: files read again whose rules
// every cross-reference reads as the last build read them): every other
// rule, every link and every other finding are the catalog's.
type Rewrite struct {
	Path    string // the catalog, written over in place
	Prev    *Previous
	Rules   []Rewritten
	Files   []File // files whose rows are written again (none is gone)
	Sources []Source
	Summary *Summary
	Count   func(done, total int) // progress of the rules written; may be nil
}

// Rewritten is a rule written again in the row the last catalog holds it
// in (by its id).
type Rewritten struct {
	Rule       *rule.Rule // whole, with what the cross-reference gave it (Previous.StoredOverlay)
	Held       []byte     // its held record
	SHA, SrcID string     // its file's content's SHA-256 and the id its source gave it
	SrcRels    []rule.Related
	Findings   []lint.Finding // every finding of it, sorted (lint.Sort)
}

// WriteRewrite writes in over its catalog in place, in one transaction
// (openInPlace: a failure leaves the catalog as it was). It fails with
// ErrNotInPlace when the catalog may not be written in place and with
// ErrInPlaceBusy when its readers held back the commit.
func WriteRewrite(ctx context.Context, in Rewrite) error {
	prev := in.Prev
	rows := make([]int64, len(in.Rules))
	for i, x := range in.Rules {
		pr := prev.rules[strings.ToLower(x.Rule.ID)]
		if pr == nil || pr.id != x.Rule.ID {
			return fmt.Errorf("%s: %w", x.Rule.ID, ErrNotFound)
		}
		rows[i] = pr.n
	}
	db, err := openInPlace(ctx, in.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w, err := newWriter(ctx, tx, nil)
	if err != nil {
		return err
	}
	defer w.close()
	for i, x := range in.Rules {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := rows[i]
		row := prepareRow(x.Rule)
		if row.err != nil {
			return fmt.Errorf("%s: %w", x.Rule.ID, row.err)
		}
		row.sum, row.overlay = bodySum(row.body), OverlaySum(x.Rule)
		had, err := prev.facetsHad(ctx, n)
		if err != nil {
			return err
		}
		if err := w.deleteRule(n, false); err != nil {
			return err
		}
		w.knownFacets(n, had)
		if err := w.insertRule(n, x.Rule, row, x.SrcID, x.SrcRels, x.SHA); err != nil {
			return fmt.Errorf("%s: %w", x.Rule.ID, err)
		}
		sum, err := w.writeFindings(n, x.Findings, false, nil)
		if err != nil {
			return err
		}
		if err := w.writeHeld(n, x.Held, row.overlay, row.sum, sum); err != nil {
			return err
		}
		if in.Count != nil {
			in.Count(i+1, len(in.Rules))
		}
	}
	for _, fr := range in.Files {
		if err := w.file(prev, fr); err != nil {
			return err
		}
	}
	if err := w.build(in.Sources, in.Summary, true); err != nil {
		return err
	}
	if err := w.finish(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		if isBusy(err) {
			return fmt.Errorf("%w: %v", ErrInPlaceBusy, err)
		}
		return err
	}
	return db.Close()
}

// facetsHad returns the facet values the last catalog gives rule n: its
// stored body's (facetsOf) and its findings' checks (FacetFinding).
func (p *Previous) facetsHad(ctx context.Context, n int64) ([]facetKey, error) {
	old, err := p.storedRule(n)
	if err != nil {
		return nil, err
	}
	var had []facetKey
	for _, f := range facetsOf(old) {
		had = append(had, facetKey{f.facet, f.value})
	}
	rows, err := p.db.db.QueryContext(ctx, `SELECT DISTINCT check_ FROM findings WHERE rule = ?`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var check string
		if err := rows.Scan(&check); err != nil {
			return nil, err
		}
		had = append(had, facetKey{FacetFinding, check})
	}
	return had, rows.Err()
}
