package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Paths of the site. Every name that goes into a path (rule ids, table
// names, field names, indicator values) is encoded with Seg, so that the same
// path works in the server, as a folder of the static export on any file
// system, and in a browser opening the export from disk.

// maxSeg is the longest segment kept readable; longer values are cut and
// carry a hash of the whole value.
const maxSeg = 120

// Seg encodes s as one path segment: ASCII letters, digits, '-', '_' and '.'
// stay, every other byte becomes ~XX. A segment of dots only, and the empty
// string, are encoded too, so no segment is "", "." or "..". A value longer
// than maxSeg is cut and ends with "~~" and 16 hex digits of the hash of
// its lower-cased form.
func Seg(s string) string {
	allDots, plain := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' {
			allDots = false
		}
		if !segByte(c) {
			plain = false
		}
	}
	if plain && !allDots && len(s) <= maxSeg {
		return s // most segments: nothing to encode, nothing to make
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !allDots && segByte(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('~')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	if s == "" {
		return "~"
	}
	out := b.String()
	if len(out) > maxSeg {
		cut := maxSeg - 24
		for cut > 0 && out[cut-1] == '~' || cut > 1 && out[cut-2] == '~' {
			cut--
		}
		sum := sha256.Sum256([]byte(strings.ToLower(s))) // case-insensitive, as indicator values are
		out = out[:cut] + "~~" + hex.EncodeToString(sum[:8])
	}
	return out
}

// segByte tells whether c stands for itself in a segment.
func segByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// Unseg decodes a segment made by Seg. hashed is true when the segment was
// cut: then s is only its readable prefix and the value must be found by
// comparing Seg of the candidates with the segment.
func Unseg(seg string) (s string, hashed bool, ok bool) {
	if seg == "~" {
		return "", false, true
	}
	if i := strings.Index(seg, "~~"); i >= 0 {
		hashed = true
		seg = seg[:i]
	}
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c != '~' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(seg) {
			return "", hashed, false
		}
		h, l := unhex(seg[i+1]), unhex(seg[i+2])
		if h < 0 || l < 0 {
			return "", hashed, false
		}
		b.WriteByte(byte(h<<4 | l))
		i += 2
	}
	return b.String(), hashed, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// IDPath encodes a rule id (platform/slug, slug possibly holding more
// slashes) as path segments.
func IDPath(id string) string {
	if plainIDPath(id) {
		return id // most ids: every segment its own Seg
	}
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = Seg(p)
	}
	return strings.Join(parts, "/")
}

// plainIDPath tells whether every segment of id is what Seg makes of it:
// not empty, not dots only, no byte to encode, not too long.
func plainIDPath(id string) bool {
	n, dots := 0, true
	for i := 0; i <= len(id); i++ {
		if i == len(id) || id[i] == '/' {
			if n == 0 || dots || n > maxSeg {
				return false
			}
			n, dots = 0, true
			continue
		}
		if !segByte(id[i]) {
			return false
		}
		n++
		dots = dots && id[i] == '.'
	}
	return true
}

// UnIDPath decodes IDPath.
func UnIDPath(p string) (string, bool) {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		v, hashed, ok := Unseg(s)
		if !ok || hashed {
			return "", false
		}
		parts[i] = v
	}
	return strings.Join(parts, "/"), true
}

// Site paths (absolute, for the server; Page.Href makes them relative for the export).
// Table, facet, event, field and indicator paths are lower-cased: their
// values compare case-insensitively (SigninLogs and SignInLogs are one
// table to the catalog), so one value has one page whatever the case a rule
// wrote it in, and no two exported files differ only by case (which would
// overwrite each other on macOS and Windows).

func RulePath(id string) string      { return "/rules/" + IDPath(id) + "/" }
func TablePath(name string) string   { return "/tables/" + Seg(strings.ToLower(name)) + "/" }
func RepoPath(name string) string    { return "/repos/" + Seg(name) + "/" }
func TechniquePath(id string) string { return "/attack/" + Seg(strings.ToUpper(id)) + "/" }
func FieldPath(field string) string  { return "/fields/" + Seg(strings.ToLower(field)) + "/" }
func FacetPath(key, value string) string {
	return "/by/" + Seg(key) + "/" + Seg(strings.ToLower(value)) + "/"
}
func EventPath(provider, event string) string {
	// Events compare case-insensitively (rules write the same operation
	// in several cases; the catalog keeps one spelling): one page for all.
	return "/events/" + Seg(strings.ToLower(provider)) + "/" + Seg(strings.ToLower(event)) + "/"
}
func IndicatorPath(field, kind, value string) string {
	return "/indicators/" + Seg(strings.ToLower(field)) + "/" + Seg(kind) + "/" + Seg(strings.ToLower(value)) + "/"
}

// queryEscape is url.QueryEscape, named for templates.
func queryEscape(s string) string { return url.QueryEscape(s) }
