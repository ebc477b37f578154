package sigma

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// ModClass is the group a value modifier belongs to in the specification's
// modifiers appendix.
type ModClass int

// Classes of modifier.
const (
	ModGeneric   ModClass = iota // all, startswith, endswith, contains, exists, cased, neq
	ModString                    // windash
	ModRegex                     // re
	ModRegexFlag                 // i, m, s (after re)
	ModEncoding                  // base64, base64offset, utf16le, utf16be, utf16, wide
	ModNumeric                   // lt, lte, gt, gte
	ModTime                      // minute, hour, day, week, month, year
	ModIP                        // cidr
	ModSpecific                  // expand, fieldref
)

// ModifierInfo describes one modifier of the specification.
type ModifierInfo struct {
	Name  string
	Class ModClass
	// Kind is the shared predicate kind (rule.Op*) the modifier makes the
	// match, or "" when it transforms values and leaves the kind alone.
	Kind string
	Doc  string
}

// Modifiers is every value modifier of the Sigma specification (modifiers
// appendix v2.1.0), by name.
var Modifiers = map[string]*ModifierInfo{}

func init() {
	for _, m := range []ModifierInfo{
		{"all", ModGeneric, "", "all values are required (AND instead of OR)"},
		{"startswith", ModGeneric, "startswith", "the value is expected at the beginning of the field"},
		{"endswith", ModGeneric, "endswith", "the value is expected at the end of the field"},
		{"contains", ModGeneric, "contains", "the value is matched anywhere in the field"},
		{"exists", ModGeneric, "exists", "the field exists (true) or does not (false)"},
		{"cased", ModGeneric, "", "values are matched case-sensitively"},
		{"neq", ModGeneric, "ne", "the field is different from the values"},
		{"windash", ModString, "", "every permutation of - / – — ― in the value"},
		{"re", ModRegex, "regex", "the value is a regular expression (case-sensitive)"},
		{"i", ModRegexFlag, "", "regular expression: case-insensitive"},
		{"m", ModRegexFlag, "", "regular expression: multi-line (^ $ match at line ends)"},
		{"s", ModRegexFlag, "", "regular expression: dot matches newlines"},
		{"base64", ModEncoding, "", "the value is base64-encoded"},
		{"base64offset", ModEncoding, "", "the value base64-encoded at the three offsets"},
		{"utf16le", ModEncoding, "", "the value encoded as UTF-16LE"},
		{"utf16be", ModEncoding, "", "the value encoded as UTF-16BE"},
		{"utf16", ModEncoding, "", "the value encoded as UTF-16 with a byte order mark"},
		{"wide", ModEncoding, "", "the value encoded as UTF-16LE (alias of utf16le)"},
		{"lt", ModNumeric, "lt", "the field is less than the value"},
		{"lte", ModNumeric, "le", "the field is less than or equal to the value"},
		{"gt", ModNumeric, "gt", "the field is greater than the value"},
		{"gte", ModNumeric, "ge", "the field is greater than or equal to the value"},
		{"minute", ModTime, "", "the minute (0-59) of a date field"},
		{"hour", ModTime, "", "the hour (0-23) of a date field"},
		{"day", ModTime, "", "the day of the month (1-31) of a date field"},
		{"week", ModTime, "", "the week (1-52) of a date field"},
		{"month", ModTime, "", "the month (1-12) of a date field"},
		{"year", ModTime, "", "the year of a date field"},
		{"cidr", ModIP, "cidr", "the value is a CIDR network range"},
		{"expand", ModSpecific, "", "%placeholders% in the value are expanded"},
		{"fieldref", ModSpecific, "", "the value names another field of the event"},
	} {
		m := m
		Modifiers[m.Name] = &m
	}
}

// typeModifiers are the modifiers that decide how a value is compared;
// no two of them may be combined (neq excepted, see validateModifiers).
var typeModifiers = map[string]bool{
	"startswith": true, "endswith": true, "contains": true, "exists": true, "re": true, "cidr": true,
	"lt": true, "lte": true, "gt": true, "gte": true,
}

// validateModifiers checks the modifier chain of m and its values against
// the specification, and returns the problems found.
func validateModifiers(m *Match) diag.ErrorList {
	var errs diag.ErrorList
	errAt := func(p Position, format string, args ...any) {
		errs = append(errs, newErr(p, diag.Error, fmt.Sprintf(format, args...)))
	}
	warnAt := func(p Position, format string, args ...any) {
		errs = append(errs, newErr(p, diag.Warning, fmt.Sprintf(format, args...)))
	}
	seen := map[string]Position{}
	var typeMod, timeMod, encB64, encUTF16 *Modifier
	has := func(name string) bool { _, ok := seen[name]; return ok }
	for i := range m.Modifiers {
		mod := &m.Modifiers[i]
		if mod.Name == "" {
			errAt(mod.Pos, "empty modifier in %q", m.Key)
			continue
		}
		if mod.Info == nil {
			if strings.ToLower(mod.Name) != mod.Name && Modifiers[strings.ToLower(mod.Name)] != nil {
				errAt(mod.Pos, "unknown modifier %q (modifiers are lower case: %q)", mod.Name, strings.ToLower(mod.Name))
			} else {
				errAt(mod.Pos, "unknown modifier %q", mod.Name)
			}
			continue
		}
		if _, dup := seen[mod.Name]; dup {
			warnAt(mod.Pos, "modifier %q is given twice", mod.Name)
			continue
		}
		seen[mod.Name] = mod.Pos
		switch {
		case typeModifiers[mod.Name]:
			if typeMod != nil {
				errAt(mod.Pos, "modifier %q cannot be combined with %q", mod.Name, typeMod.Name)
			} else {
				typeMod = mod
			}
		case mod.Info.Class == ModRegexFlag:
			if !has("re") {
				errAt(mod.Pos, "modifier %q is a flag of the re modifier and must follow it", mod.Name)
			}
		case mod.Info.Class == ModTime:
			if timeMod != nil {
				errAt(mod.Pos, "modifier %q cannot be combined with %q", mod.Name, timeMod.Name)
			} else {
				timeMod = mod
			}
		case mod.Name == "base64" || mod.Name == "base64offset":
			if encB64 != nil {
				errAt(mod.Pos, "modifier %q cannot be combined with %q", mod.Name, encB64.Name)
			} else {
				encB64 = mod
			}
		case mod.Info.Class == ModEncoding: // utf16 family
			if encUTF16 != nil {
				errAt(mod.Pos, "modifier %q cannot be combined with %q", mod.Name, encUTF16.Name)
			} else {
				encUTF16 = mod
			}
			if encB64 != nil {
				errAt(mod.Pos, "modifier %q must come before %q: it encodes the text that base64 then encodes", mod.Name, encB64.Name)
			}
		}
	}

	// Modifiers that need string values, and those that do not mix with a
	// type modifier that reads the value in its own way.
	tname := ""
	if typeMod != nil {
		tname = typeMod.Name
	}
	for i := range m.Modifiers {
		mod := &m.Modifiers[i]
		if mod.Info == nil || mod == typeMod {
			continue
		}
		bad := false
		switch tname {
		case "re":
			bad = mod.Info.Class != ModRegexFlag && mod.Name != "all" && mod.Name != "cased" && mod.Name != "neq"
			if mod.Name == "cased" {
				warnAt(mod.Pos, "modifier \"cased\" does nothing after re: regular expressions are case-sensitive unless re|i")
			}
		case "cidr":
			bad = mod.Name != "all" && mod.Name != "neq"
		case "exists":
			bad = true
		case "lt", "lte", "gt", "gte":
			bad = mod.Info.Class != ModTime && mod.Name != "all"
			if mod.Name == "neq" {
				bad = true
			}
		}
		if bad {
			errAt(mod.Pos, "modifier %q cannot be combined with %q", mod.Name, tname)
		}
	}
	if has("fieldref") {
		for _, n := range []string{"re", "cidr", "exists", "lt", "lte", "gt", "gte", "windash", "expand", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide"} {
			if p, ok := seen[n]; ok {
				errAt(p, "modifier %q cannot be combined with \"fieldref\"", n)
			}
		}
	}
	if timeMod != nil {
		for _, n := range []string{"contains", "startswith", "endswith", "windash", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "expand", "fieldref", "cased"} {
			if p, ok := seen[n]; ok {
				errAt(p, "modifier %q cannot be combined with the time modifier %q", n, timeMod.Name)
			}
		}
	}
	if encB64 != nil && encB64.Name == "base64offset" && !has("contains") {
		warnAt(encB64.Pos, "base64offset is meant to be followed by contains: the encoded value is a part of the field")
	}
	if m.Keyword {
		for i := range m.Modifiers {
			mod := &m.Modifiers[i]
			if mod.Info != nil && (mod.Info.Class == ModNumeric || mod.Info.Class == ModTime || mod.Name == "exists" || mod.Name == "fieldref" || mod.Name == "cidr") {
				errAt(mod.Pos, "modifier %q needs a field; keywords have none", mod.Name)
			}
		}
	}

	// The values.
	if has("all") && len(m.Values) < 2 {
		errAt(seen["all"], "modifier \"all\" needs a list of values: the specification does not allow it on a single value")
	}
	nulls := 0
	for _, v := range m.Values {
		if v.Type == TypeNull {
			nulls++
		}
	}
	if nulls > 0 && len(m.Values) > 1 {
		for _, v := range m.Values {
			if v.Type == TypeNull {
				errAt(v.Pos, "null cannot be part of a list of values: write it in a search identifier of its own")
				break
			}
		}
	}
	if nulls > 0 && len(m.Modifiers) > 0 {
		warnAt(m.KeyPos, "a null value takes no modifier")
	}
	switch {
	case tname == "exists":
		if len(m.Values) != 1 || m.Values[0].Type != TypeBool {
			errAt(m.ValuePos, "modifier \"exists\" takes one value, true or false")
		}
	case tname == "lt" || tname == "lte" || tname == "gt" || tname == "gte" || timeMod != nil:
		for _, v := range m.Values {
			if v.Type != TypeNumber {
				errAt(v.Pos, "modifier %q compares numbers; %q is a %s", firstNonEmpty(tname, nameOf(timeMod)), v.Raw, v.Type)
				break
			}
		}
	case tname == "cidr":
		for _, v := range m.Values {
			if v.Type != TypeString {
				errAt(v.Pos, "modifier \"cidr\" takes network ranges; %q is a %s", v.Raw, v.Type)
				continue
			}
			if _, err := netip.ParsePrefix(v.Raw); err != nil {
				errAt(v.Pos, "modifier \"cidr\": %q is not a network range such as 10.0.0.0/8", v.Raw)
			}
		}
	case tname == "re":
		for _, v := range m.Values {
			if v.Type == TypeNull || v.Type == TypeBool {
				errAt(v.Pos, "modifier \"re\" takes a regular expression; %q is a %s", v.Raw, v.Type)
			}
		}
	default:
		for _, v := range m.Values {
			if v.Type == TypeBool && len(m.Modifiers) > 0 && !has("neq") {
				for _, mod := range m.Modifiers {
					if mod.Info != nil && mod.Info.Class != ModGeneric {
						warnAt(v.Pos, "modifier %q applies to strings; %q is a boolean", mod.Name, v.Raw)
						break
					}
				}
			}
		}
	}
	return errs
}

func nameOf(m *Modifier) string {
	if m == nil {
		return ""
	}
	return m.Name
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// wildcardModifiers are the modifiers under which a string value is read
// as plain text with wildcards; under the others it is a regular expression,
// a network, a field name, a number or a boolean.
func readsWildcards(m *Match) bool {
	for _, mod := range m.Modifiers {
		switch mod.Name {
		case "re", "cidr", "fieldref", "exists", "lt", "lte", "gt", "gte", "minute", "hour", "day", "week", "month", "year":
			return false
		}
	}
	return true
}

// SplitString splits a Sigma string value into literal text and wildcards:
// '*' any run of characters, '?' one character. A backslash escapes '*',
// '?' and itself ("\\*" is a backslash then a wildcard); before any other
// character it is a plain backslash. With expand, %name% is a placeholder
// and "\%" a plain percent sign.
func SplitString(s string, expand bool) []Part {
	var parts []Part
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, Part{Kind: PartText, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) {
				n := s[i+1]
				if n == '*' || n == '?' || n == '\\' || (expand && n == '%') {
					lit.WriteByte(n)
					i++
					continue
				}
			}
			lit.WriteByte('\\')
		case '*':
			flush()
			parts = append(parts, Part{Kind: PartStar})
		case '?':
			flush()
			parts = append(parts, Part{Kind: PartQuestion})
		case '%':
			if expand {
				if j := strings.IndexByte(s[i+1:], '%'); j > 0 && validPlaceholder(s[i+1:i+1+j]) {
					flush()
					parts = append(parts, Part{Kind: PartPlaceholder, Text: s[i+1 : i+1+j]})
					i += j + 1
					continue
				}
			}
			lit.WriteByte('%')
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts
}

func validPlaceholder(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return name != ""
}

// Placeholders returns the names of the placeholders of v.
func (v *Value) Placeholders() []string {
	var names []string
	for _, p := range v.Parts {
		if p.Kind == PartPlaceholder {
			names = append(names, p.Text)
		}
	}
	return names
}

// HasWildcards tells whether v holds an unescaped wildcard.
func (v *Value) HasWildcards() bool {
	for _, p := range v.Parts {
		if p.Kind == PartStar || p.Kind == PartQuestion {
			return true
		}
	}
	return false
}
