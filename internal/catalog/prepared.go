package catalog

import (
	"encoding/binary"
	"errors"
	"slices"
)

// AppendBinary appends p in a compact form to b (DecodePrepared reads it):
// a catalog keeps what Prepare made of each rule, so that an incremental
// build cross-references the rules of the files that did not change
// without preparing them again.
func (p Prepared) AppendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p.keys)))
	for _, k := range p.keys {
		for _, s := range [...]string{k.Space, k.Value, k.Match, k.Field, k.Text, k.Provider, k.Channel} {
			b = appendString(b, s)
		}
	}
	b = appendString(b, p.logic.Tables)
	b = binary.AppendUvarint(b, uint64(len(p.logic.Triples)))
	for _, t := range p.logic.Triples {
		b = binary.LittleEndian.AppendUint64(b, t)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errPrepared = errors.New("catalog: a prepared rule that does not decode")

// DecodePrepared reads what AppendBinary wrote at the start of b, and
// returns it and the rest of b. Its strings are interned, as Prepare's.
func DecodePrepared(b []byte) (Prepared, []byte, error) {
	var p Prepared
	n, b, ok := uvarint(b)
	if !ok || n > uint64(len(b)) {
		return p, nil, errPrepared
	}
	if n > 0 {
		p.keys = make([]ActionKey, n)
	}
	for i := range p.keys {
		k := &p.keys[i]
		for _, s := range [...]*string{&k.Space, &k.Value, &k.Match, &k.Field, &k.Text, &k.Provider, &k.Channel} {
			if *s, b, ok = str(b); !ok {
				return p, nil, errPrepared
			}
		}
	}
	if p.logic.Tables, b, ok = str(b); !ok {
		return p, nil, errPrepared
	}
	if n, b, ok = uvarint(b); !ok || n > uint64(len(b))/8 {
		return p, nil, errPrepared
	}
	if n > 0 {
		p.logic.Triples = make([]uint64, n)
	}
	for i := range p.logic.Triples {
		p.logic.Triples[i] = binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	p.keys = slices.Clip(p.keys)
	return p, b, nil
}

func uvarint(b []byte) (uint64, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, nil, false
	}
	return n, b[k:], true
}

func str(b []byte) (string, []byte, bool) {
	n, b, ok := uvarint(b)
	if !ok || n > uint64(len(b)) {
		return "", nil, false
	}
	return intern(string(b[:n])), b[n:], true
}
