package store

import (
	"github.com/ruledex/ruledex/internal/rule"
)

// Overlay copies onto dst, a rule as its file gives it, what a build works
// out of a rule beyond its file: its id, kind and relations once linked,
// its diagnostics (linking's included), its place and address, its events,
// actions and indicators with their corpus counts, its canonical
// indicators, and its links to other rules. Package build holds rules as
// skeletons that carry all of this and overlays it on the rule read back
// whole; an incremental build compares it (OverlaySum) to tell a rule
// stored as it is. The one list of these fields.
func Overlay(dst, src *rule.Rule) {
	dst.ID, dst.Kind, dst.Related, dst.Diagnostics = src.ID, src.Kind, src.Related, src.Diagnostics
	dst.Source = src.Source
	dst.Events, dst.Actions, dst.Indicators, dst.Canonical = src.Events, src.Actions, src.Indicators, src.Canonical
	dst.SameAction, dst.NearDuplicates, dst.SameBehaviour = src.SameAction, src.NearDuplicates, src.SameBehaviour
}

// OverlaySum returns a hash of what Overlay copies of r, its links to
// other rules aside (the links table holds those, compared on their own):
// two rules of the same file content, whose sums are equal, encode to the
// same body. It is the catalog's encoding hashed (SHA-256, cut to 16
// bytes: rule text is untrusted, and a collision would keep a stale body).
func OverlaySum(r *rule.Rule) []byte {
	var o rule.Rule
	Overlay(&o, r)
	o.SameAction, o.NearDuplicates, o.SameBehaviour = nil, nil, nil
	buf := encodeBufs.Get().(*[]byte)
	defer encodeBufs.Put(buf)
	*buf = encodeRule((*buf)[:0], &o)
	return bodySum(*buf)
}
