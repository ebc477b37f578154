package store

import (
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// decodeHead decodes of an encoded rule what the ATT&CK matrix needs: its
// identity, source, kind and ATT&CK techniques and tactics (everything up
// to its tactics; later fields stay empty). Its strings are copies, so the
// rule keeps nothing else of s. TestDecodeHead checks it against decodeRule.
func decodeHead(s string) (*rule.Rule, error) {
	if !isBody(s) {
		return nil, fmt.Errorf("%w: not a rule of codec version %d", errCorrupt, codecVersion)
	}
	d := decoder{s: s, p: 1}
	str := func() string { return strings.Clone(d.str()) }
	r := new(rule.Rule)
	r.ID = str()
	d.skip(2) // UID, Name
	r.Platform = str()
	r.Product = str()
	r.Language = str()
	d.skip(2) // Format, Variant
	r.Title = str()
	d.skip(1) // Description
	r.Source.Repo = str()
	r.Source.Path = str()
	r.Source.Line = d.int()
	d.skip(1) // Source.URL
	r.Kind = str()
	r.Status = str()
	r.Severity = str()
	d.skipStrs()                    // Authors
	d.skip(3)                       // Date, Modified, Version
	d.skipStrs()                    // References
	d.skipStrs()                    // Tags
	d.skipStrs()                    // FalsePositives
	for n := d.len(2); n > 0; n-- { // Related
		d.skip(2)
	}
	d.skip(1) // Query
	d.int()   // QueryLine
	if n := d.len(6); n > 0 {
		r.Techniques = make([]rule.Technique, n)
		for i := range r.Techniques {
			t := &r.Techniques[i]
			t.ID = str()
			t.Name = str()
			t.Tactic = str()
			for _, x := range d.strs() {
				t.Tactics = append(t.Tactics, strings.Clone(x))
			}
			f := d.byte()
			t.Unknown, t.Deprecated, t.Revoked = f&1 != 0, f&2 != 0, f&4 != 0
			t.RevokedBy = str()
			t.StatedAs = str()
		}
	}
	for _, x := range d.strs() {
		r.Tactics = append(r.Tactics, strings.Clone(x))
	}
	if d.err != nil {
		return nil, d.err
	}
	return r, nil
}
