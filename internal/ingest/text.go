package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/rule"
)

// text is a file's content made ready for the formats, once: see normalise.
type text struct {
	data []byte
	// notes say what normalise changed beyond line endings (UTF-16 decoded,
	// bytes that are not UTF-8 read as Latin-1, lone CR line ends), each
	// with its place in the file.
	notes []rule.Diagnostic
	// badUTF8 is the offset in the original bytes of the first byte that
	// is not UTF-8, -1 when all are (or the file was UTF-16).
	badUTF8 int
	// nul is the offset of the first NUL byte in the first 8,000 bytes of
	// a file that is not UTF-16 (the test git uses to call a file binary),
	// -1 when there is none.
	nul int
}

// normalise reads the bytes of the file at path once into the text every
// format reads: a UTF-8 byte-order mark dropped; UTF-16 with its mark (LE
// or BE) decoded; bytes that are not UTF-8 read as Latin-1, one character
// each, so that lines and columns stay where they were (a note says where
// the first one was); CRLF and lone CR line ends turned into LF (lone CR
// with a note, since editors disagree on it). Nothing else changes: a
// value stays as its author wrote it.
func normalise(path string, data []byte) text {
	t := text{data: data, badUTF8: -1, nul: -1}
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		be := data[0] == 0xfe
		u := make([]uint16, 0, len(data)/2)
		for i := 2; i+1 < len(data); i += 2 {
			if be {
				u = append(u, uint16(data[i])<<8|uint16(data[i+1]))
			} else {
				u = append(u, uint16(data[i+1])<<8|uint16(data[i]))
			}
		}
		order := "little-endian"
		if be {
			order = "big-endian"
		}
		t.data = []byte(string(utf16.Decode(u)))
		t.notes = append(t.notes, rule.Diagnostic{Path: path, Line: 1, Col: 1, Severity: rule.SevInfo,
			Message: "the file is UTF-16 (" + order + ", with its byte-order mark); read as such"})
	default:
		t.data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		t.nul = bytes.IndexByte(t.data[:min(len(t.data), 8000)], 0)
		if off := invalidUTF8At(t.data); off >= 0 {
			t.badUTF8 = off + len(data) - len(t.data)
			l, c := lineCol(data, t.badUTF8)
			t.notes = append(t.notes, rule.Diagnostic{Path: path, Line: l, Col: c, Severity: rule.SevInfo,
				Message: fmt.Sprintf("the file is not UTF-8 (first at byte 0x%02X); read as Latin-1", data[t.badUTF8])})
			t.data = latin1(t.data)
		}
	}
	if i := bytes.IndexByte(t.data, '\r'); i >= 0 {
		var lone int
		t.data, lone = lineFeeds(t.data, i)
		if lone > 0 {
			l, c := lineCol(t.data, lone-1)
			t.notes = append(t.notes, rule.Diagnostic{Path: path, Line: l, Col: c, Severity: rule.SevInfo,
				Message: "lines end with a lone CR (old Mac style); read as line breaks"})
		}
	}
	return t
}

// lineFeeds returns data with CRLF and lone CR turned into LF (the first CR
// at i), and 1 + the offset in the result of the first lone CR (0 when none).
func lineFeeds(data []byte, i int) ([]byte, int) {
	out := make([]byte, 0, len(data))
	out = append(out, data[:i]...)
	lone := 0
	for ; i < len(data); i++ {
		c := data[i]
		if c != '\r' {
			out = append(out, c)
			continue
		}
		if i+1 < len(data) && data[i+1] == '\n' {
			continue // the LF comes next
		}
		if lone == 0 {
			lone = len(out) + 1
		}
		out = append(out, '\n')
	}
	return out, lone
}

// latin1 returns data with every byte that is not part of a UTF-8 sequence
// read as the Latin-1 character of that value.
func latin1(data []byte) []byte {
	var b strings.Builder
	b.Grow(len(data) + 16)
	for len(data) > 0 {
		c, size := utf8.DecodeRune(data)
		if c == utf8.RuneError && size <= 1 {
			b.WriteRune(rune(data[0]))
			data = data[1:]
			continue
		}
		b.Write(data[:size])
		data = data[size:]
	}
	return []byte(b.String())
}

// invalidUTF8At returns the offset of the first byte of data that is not
// UTF-8, or -1.
func invalidUTF8At(data []byte) int {
	if utf8.Valid(data) {
		return -1
	}
	for off := 0; off < len(data); {
		r, n := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && n <= 1 {
			return off
		}
		off += n
	}
	return -1
}
