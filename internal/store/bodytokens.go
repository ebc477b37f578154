package store

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

// A rule's body (the rules table's) may carry the tokens that highlight
// its query, made by its language's highlighter when the rule is written,
// so that a rule page does not make them each time (the KQL highlighter
// parses the query: half the making of a KQL page). Such a body starts
// with codecTokens instead of codecVersion, and after the rule's fields
// holds the tokens and then their length in bytes (4 bytes, little
// endian): the rule's fields are where they are in any body, so every
// decoder that reads a body's first fields reads either form. A body's
// tokens are its query's as the language highlights it when the catalog
// is built (TestBodyTokens; the pages the same, TestRulePageSums).

// codecTokens is the first byte of an encoded rule that carries its
// query's tokens.
const codecTokens = codecVersion + 1

// isBody tells whether s starts as an encoded rule (either form).
func isBody[T string | []byte](s T) bool {
	return len(s) > 0 && (s[0] == codecVersion || s[0] == codecTokens)
}

// bodyFields returns the part of the body s that holds the rule's fields
// (all of it but the tokens and their length), and its tokens' encoding
// ("" when it carries none).
func bodyFields(s string) (fields, toks string, err error) {
	end, err := fieldsEnd(s)
	if err != nil {
		return "", "", err
	}
	if end == len(s) {
		return s, "", nil
	}
	return s[:end], s[end : len(s)-4], nil
}

// fieldsEnd returns where the fields of the body s end (bodyFields): a
// string or the bytes of one, not copied (bodySum sums every body a build
// writes: 1.3 GB of copies at N = 15).
func fieldsEnd[T string | []byte](s T) (int, error) {
	if !isBody(s) {
		return 0, fmt.Errorf("%w: not a rule of codec version %d", errCorrupt, codecVersion)
	}
	if s[0] == codecVersion {
		return len(s), nil
	}
	if len(s) < 5 {
		return 0, fmt.Errorf("%w: tokens' length past the end", errCorrupt)
	}
	n := int64(binary.LittleEndian.Uint32([]byte(s[len(s)-4:])))
	end := int64(len(s)) - 4 - n
	if end < 1 {
		return 0, fmt.Errorf("%w: tokens' length past the start", errCorrupt)
	}
	return int(end), nil
}

// withTokens makes body, an encodeRule's, carry the tokens of r's query
// as r's language highlights them; a body of a rule with no query or of a
// language with no highlighter is left as it is. A highlighter that fails
// (panics) on the query gives no tokens: the page highlights it itself.
func withTokens(body []byte, r *rule.Rule) []byte {
	if r.Query == "" || len(body) == 0 || body[0] != codecVersion {
		return body
	}
	l := lang.Get(r.Language)
	if l == nil || l.Highlight == nil {
		return body
	}
	toks, ok := highlightSafely(l, r.Query)
	if !ok {
		return body
	}
	start := len(body)
	e := encoder{b: body}
	e.len(len(toks))
	prev := 0
	for _, t := range toks {
		e.int(t.Start - prev)
		e.int(t.End - t.Start)
		e.b = append(e.b, byte(t.Class))
		prev = t.Start
	}
	e.b = binary.LittleEndian.AppendUint32(e.b, uint32(len(e.b)-start))
	e.b[0] = codecTokens
	return e.b
}

func highlightSafely(l *lang.Language, q string) (toks []lang.Token, ok bool) {
	defer func() {
		if recover() != nil {
			toks, ok = nil, false
		}
	}()
	return l.Highlight(q), true
}

// BodyTokens are the encoded tokens of a rule's query that its body
// carries (see withTokens); "" when it carries none.
type BodyTokens string

// Decode appends the tokens to dst; ok is false when there are none or
// they do not decode.
func (bt BodyTokens) Decode(dst []lang.Token) (toks []lang.Token, ok bool) {
	if bt == "" {
		return dst, false
	}
	d := decoder{s: string(bt)}
	n := d.len(3)
	prev := 0
	for range n {
		start := prev + d.int()
		end := start + d.int()
		c := lang.TokenClass(d.byte())
		dst = append(dst, lang.Token{Start: start, End: end, Class: c})
		prev = start
	}
	if d.err != nil || d.p != len(d.s) {
		return dst, false
	}
	return dst, true
}

// bodyTokensOf returns the tokens the body s carries.
func bodyTokensOf(s string) BodyTokens {
	_, toks, _ := bodyFields(s)
	return BodyTokens(toks)
}

// bodySum is the hash of a rule's encoding (encodeRule) that the held
// table keeps (SHA-256, cut to 16 bytes); a body that carries its tokens
// sums as the encoding it was made of.
func bodySum(b []byte) []byte {
	if len(b) > 0 && b[0] == codecTokens {
		if end, err := fieldsEnd(b); err == nil {
			h := sha256.New()
			h.Write([]byte{codecVersion})
			h.Write(b[1:end])
			return h.Sum(nil)[:16]
		}
	}
	sum := sha256.Sum256(b)
	return sum[:16]
}
