package ingest

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ruledex/ruledex/internal/rule"
)

// utf16Bytes encodes s as UTF-16 with its byte-order mark.
func utf16Bytes(s string, bigEndian bool) []byte {
	out := []byte{0xff, 0xfe}
	if bigEndian {
		out = []byte{0xfe, 0xff}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

const (
	sentinelYAML = "id: 1\nname: Sign-ins\nqueryFrequency: 1h\nquery: |\n  SigninLogs\n  | where ResultType != 0\n"
	sigmaYAML    = "title: Certutil\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  sel:\n    Image|endswith: '\\certutil.exe'\n  condition: sel\n"
	markdownKQL  = "# Run Command\n\n## Query\n\n```kql\nAzureActivity\n| where OperationNameValue =~ 'x'\n```\n"
	rawKQL       = "// Rare service installs\nSecurityEvent\n| where EventID == 7045\n"
)

// TestNormalise reads the same rules in every encoding and line ending a
// repository may hold them in: each gives the same rule (title, query,
// format), with a note where the reader changed more than line ends.
func TestNormalise(t *testing.T) {
	type want struct{ format, title, query, note string }
	cases := []struct {
		name, path string
		data       []byte
		want       want
	}{
		{"sentinel UTF-16 LE", "r.yaml", utf16Bytes(sentinelYAML, false), want{"sentinel_yaml", "Sign-ins", "SigninLogs\n| where ResultType != 0", "UTF-16"}},
		{"sentinel UTF-16 BE", "r.yaml", utf16Bytes(sentinelYAML, true), want{"sentinel_yaml", "Sign-ins", "SigninLogs\n| where ResultType != 0", "UTF-16"}},
		{"sigma UTF-16 LE", "r.yml", utf16Bytes(sigmaYAML, false), want{"sigma_yaml", "Certutil", "", "UTF-16"}},
		{"sigma UTF-16 BE CRLF", "r.yml", utf16Bytes(strings.ReplaceAll(sigmaYAML, "\n", "\r\n"), true), want{"sigma_yaml", "Certutil", "", "UTF-16"}},
		{"sentinel lone CR", "r.yaml", []byte(strings.ReplaceAll(sentinelYAML, "\n", "\r")), want{"sentinel_yaml", "Sign-ins", "SigninLogs\n| where ResultType != 0", "lone CR"}},
		{"sigma lone CR", "r.yml", []byte(strings.ReplaceAll(sigmaYAML, "\n", "\r")), want{"sigma_yaml", "Certutil", "", "lone CR"}},
		{"markdown lone CR", "r.md", []byte(strings.ReplaceAll(markdownKQL, "\n", "\r")), want{"kql_markdown", "Run Command", "AzureActivity\n| where OperationNameValue =~ 'x'", "lone CR"}},
		{"kql lone CR", "r.kql", []byte(strings.ReplaceAll(rawKQL, "\n", "\r")), want{"kql_text", "Rare service installs", "SecurityEvent\n| where EventID == 7045", "lone CR"}},
		{"kql CRLF", "r.kql", []byte(strings.ReplaceAll(rawKQL, "\n", "\r\n")), want{"kql_text", "Rare service installs", "SecurityEvent\n| where EventID == 7045", ""}},
		{"UTF-8 BOM", "r.yml", append([]byte("\xef\xbb\xbf"), sigmaYAML...), want{"sigma_yaml", "Certutil", "", ""}},
		{"Latin-1", "r.yaml", []byte("name: caf\xe9\nquery: T | where x == 'caf\xe9'\n"), want{"sentinel_yaml", "café", "T | where x == 'café'", "Latin-1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := ReadData("r", tc.path, tc.path, tc.data, "")
			if res.Format != tc.want.format || len(res.Rules) != 1 {
				t.Fatalf("format %q, %d rules, skipped %q, diags %v; want one %s rule", res.Format, len(res.Rules), res.Skipped, res.Diags, tc.want.format)
			}
			r := res.Rules[0]
			if r.Title != tc.want.title || tc.want.query != "" && r.Query != tc.want.query {
				t.Errorf("title %q query %q, want %q %q", r.Title, r.Query, tc.want.title, tc.want.query)
			}
			if r.HasErrors() {
				t.Errorf("errors: %v", r.Diagnostics)
			}
			notes := 0
			for _, d := range r.Diagnostics {
				if d.Severity == rule.SevInfo && tc.want.note != "" && strings.Contains(d.Message, tc.want.note) {
					notes++
				}
				if strings.Contains(d.Message, "only comments") {
					t.Errorf("misleading diagnostic: %v", d)
				}
			}
			if tc.want.note != "" && notes != 1 {
				t.Errorf("want one note saying %q: %v", tc.want.note, r.Diagnostics)
			}
			if tc.want.note == "" && len(r.Diagnostics) > 0 {
				t.Errorf("want no diagnostic: %v", r.Diagnostics)
			}
		})
	}
}

// TestNormaliseLineFeeds checks the line-end rewriting alone.
func TestNormaliseLineFeeds(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\nb": "a\nb", "a\rb": "a\nb", "a\r\r\nb": "a\n\nb", "a\r": "a\n", "\r\n\r": "\n\n", "a\nb": "a\nb",
	} {
		if got := string(normalise("x", []byte(in)).data); got != want {
			t.Errorf("normalise(%q) = %q, want %q", in, got, want)
		}
	}
}
