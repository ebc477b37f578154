package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/tomldoc"
	"github.com/ruledex/ruledex/internal/lang/yamlbound"
	"github.com/ruledex/ruledex/internal/rule"
)

// Limits on the YAML and TOML that ingest parses itself: files that no format
// reads, and the YAML of formats that do not bound their own (guardYAML).
// The YAML parser refuses nesting deeper than 10,000 itself; Sigma keeps its
// own limits (package lang/sigma). No rule of the corpus comes near them: its
// largest YAML file has about 4,500 nodes, the largest non-Sigma one 350.
const (
	MaxYAMLDepth = 64
	MaxYAMLNodes = 50000
	// MaxTOMLDepth is the deepest nesting of TOML arrays and inline tables
	// looked at; deeper files are not parsed.
	MaxTOMLDepth = 64
	// MaxTOMLKeys bounds the keys of a TOML file parsed, counted as the
	// '=', '.' and '[' outside its strings and comments (a dotted key is a
	// key a part, a table header one more): the decoder (go-toml v2) looks
	// for each key among every key before it, so its time grows with the
	// square of their number (`go test -run - -bench DecodeKeys
	// ./internal/lang/tomldoc`: 1,000 keys 1.7 ms, 5,000 33 ms, 20,000
	// 0.43 s; 80,000 took 11 s in `ruledex parse`). The corpus's TOML rule
	// files have at most 2,971 of these characters, strings included.
	MaxTOMLKeys = 5000
)

// dataExts are the extensions of the structured text files rules are kept
// in, whether or not a registered format reads them today.
var dataExts = map[string]bool{"yml": true, "yaml": true, "toml": true, "json": true}

// IsRuleExt tells whether the file at p has the extension of a rule file:
// one that a registered language's format reads (lang.IsRuleExt), or a
// structured text file (YAML, TOML, JSON). Such a file that is too large,
// binary, not UTF-8 or, for YAML and TOML, not valid is reported with a
// diagnostic even when it gives no rule; any other file that gives none is
// skipped quietly.
func IsRuleExt(p string) bool { return dataExts[lang.Ext(p)] || lang.IsRuleExt(p) }

// Reasons a file is skipped (FileResult.Skipped), besides I/O errors.
const (
	SkipNoFormat   = "not a rule format ruledex reads"
	SkipTooLarge   = "larger than 8 MiB"
	SkipBinary     = "binary file"
	SkipNotUTF8    = "not UTF-8 text"
	SkipBadYAML    = "not valid YAML"
	SkipYAMLLimit  = "YAML beyond ruledex's limits"
	SkipBadTOML    = "not valid TOML"
	SkipTOMLLimit  = "TOML beyond ruledex's limits"
	SkipBadLink    = "symbolic link to nothing readable"
	SkipOutsideLnk = "symbolic link out of the repository"
)

// Examine looks at the file abs of the repository whose folder is root
// (path is abs relative to root, slash-separated) before it is read, and
// returns its information. A symbolic link is followed when it leads to a
// regular file inside the repository; one that leads out of it is not
// followed (a repository must not make ruledex publish other files of the
// machine), and one that leads nowhere (a loop, a missing target) is
// reported. A file larger than MaxFileSize is not read. When the file is not
// to be read, skip says why and diags what to report.
func Examine(root, abs, path string) (st fs.FileInfo, skip string, diags []rule.Diagnostic) {
	return ExamineInfo(root, abs, path, nil)
}

// ExamineInfo is Examine with the file's lstat made already (ListStat's),
// nil when there is none.
func ExamineInfo(root, abs, path string, lst fs.FileInfo) (st fs.FileInfo, skip string, diags []rule.Diagnostic) {
	if lst == nil {
		var err error
		if lst, err = os.Lstat(abs); err != nil {
			return nil, errText(err), []rule.Diagnostic{fileDiag(path, rule.SevError, "cannot read the file: "+errText(err))}
		}
	}
	st = lst
	if lst.Mode()&fs.ModeSymlink != 0 {
		target, _ := os.Readlink(abs)
		real := ""
		var err error
		st, err = os.Stat(abs)
		if err == nil {
			real, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, SkipBadLink, []rule.Diagnostic{fileDiag(path, rule.SevWarning,
				fmt.Sprintf("symbolic link to %s leads nowhere readable (%s); not read", target, errText(err)))}
		}
		if !inside(root, real) {
			return nil, SkipOutsideLnk, []rule.Diagnostic{fileDiag(path, rule.SevWarning,
				fmt.Sprintf("symbolic link to %s leads out of the repository; not followed", target))}
		}
		if !st.Mode().IsRegular() {
			return nil, SkipBadLink, []rule.Diagnostic{fileDiag(path, rule.SevWarning,
				fmt.Sprintf("symbolic link to %s, which is not a regular file; not read", target))}
		}
	}
	if st.IsDir() {
		// ListFiles lists a folder it could not read, so that it is reported.
		_, err := os.ReadDir(abs)
		msg := "folder could not be listed"
		if err != nil {
			msg = errText(err)
		}
		return nil, msg, []rule.Diagnostic{fileDiag(path, rule.SevError, "cannot read the folder: "+msg+"; its files are not read")}
	}
	if st.Size() > MaxFileSize {
		skip = SkipTooLarge
		if IsRuleExt(path) {
			diags = []rule.Diagnostic{fileDiag(path, rule.SevError,
				fmt.Sprintf("file of %d bytes is larger than the limit of %d bytes (8 MiB); not read", st.Size(), MaxFileSize))}
		}
		return st, skip, diags
	}
	return st, "", nil
}

// ReadBounded reads the file at abs, at most MaxFileSize+1 bytes of it (a
// file that grew past the limit since Examine looked at it is refused by
// ReadData, not read whole).
func ReadBounded(abs string) ([]byte, error) {
	f, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read into room for the whole file, as os.ReadFile does: io.ReadAll
	// starts at 512 bytes and grows, copying, to the file's size.
	n := 512
	if st, err := f.Stat(); err == nil && st.Size() <= MaxFileSize {
		n += int(st.Size())
	}
	data := make([]byte, 0, n)
	r := io.LimitReader(f, MaxFileSize+1)
	for {
		k, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+k]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// ReadError returns the reason and the diagnostic of a file that could not be read.
func ReadError(path string, err error) (skip string, diags []rule.Diagnostic) {
	return errText(err), []rule.Diagnostic{fileDiag(path, rule.SevError, "cannot read the file: "+errText(err))}
}

// inside tells whether real (a path with no symbolic links) is in the folder root.
func inside(root, real string) bool {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	if st, err := os.Stat(r); err == nil && !st.IsDir() {
		r = filepath.Dir(r)
	}
	rel, err := filepath.Rel(r, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// errText returns the reason of err without the path it names.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}

func fileDiag(path, sev, msg string) rule.Diagnostic {
	return rule.Diagnostic{Path: path, Severity: sev, Message: msg}
}

// lineCol returns the 1-based line and column (in bytes) of off in data.
func lineCol(data []byte, off int) (int, int) {
	off = min(off, len(data))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

func diagAt(path string, data []byte, off int, sev, msg string) rule.Diagnostic {
	l, c := lineCol(data, off)
	return rule.Diagnostic{Path: path, Line: l, Col: c, Severity: sev, Message: msg}
}

// checkUnread looks at a file with a rule extension that no format read:
// it must be UTF-8, and a YAML or TOML file must be valid, within limits.
// It returns the reason the file gives no rule and what to report.
func checkUnread(path string, orig []byte, t text) (string, []rule.Diagnostic) {
	if !IsRuleExt(path) {
		return SkipNoFormat, nil
	}
	if off := t.badUTF8; off >= 0 {
		return SkipNotUTF8, []rule.Diagnostic{diagAt(path, orig, off, rule.SevWarning,
			fmt.Sprintf("not UTF-8 text (byte 0x%02X); no rule read from it", orig[off]))}
	}
	data := t.data
	switch lang.Ext(path) {
	case "yml", "yaml":
		if d, invalid := yamlProblem(path, data, rule.SevWarning); d != nil {
			if invalid {
				return SkipBadYAML, []rule.Diagnostic{*d}
			}
			return SkipYAMLLimit, []rule.Diagnostic{*d}
		}
	case "toml":
		if d := checkTOML(path, data); d != nil {
			return SkipBadTOML, []rule.Diagnostic{*d}
		}
	}
	return SkipNoFormat, nil
}

// hasAnchor tells whether data holds a YAML anchor (&name after a space, a
// flow indicator or a line's start): only a file with one can make aliases
// expand.
func hasAnchor(data []byte) bool {
	for off := 0; ; {
		i := bytes.IndexByte(data[off:], '&')
		if i < 0 {
			return false
		}
		i += off
		off = i + 1
		if i > 0 {
			switch data[i-1] {
			case ' ', '\t', '\n', '\r', '[', '{', ',':
			default:
				continue
			}
		}
		if i+1 < len(data) {
			switch data[i+1] {
			case ' ', '\t', '\n', '\r', '[', ']', '{', '}', ',':
			default:
				return true
			}
		}
	}
}

// yamlProblem parses data as YAML, within MaxYAMLNodes and MaxYAMLDepth
// with aliases expanded. It returns what is wrong (nil when nothing is) and
// whether data is not valid YAML at all (rather than beyond a limit).
func yamlProblem(path string, data []byte, sev string) (d *rule.Diagnostic, invalid bool) {
	if off := yamlbound.NodesAt(data, MaxYAMLNodes); off >= 0 {
		dg := diagAt(path, data, off, sev, fmt.Sprintf("YAML of more than %d nodes (the limit) by this point; not read", MaxYAMLNodes))
		return &dg, false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return nil, false
		}
		if err != nil {
			line, msg := yamlbound.ErrorLine(err.Error())
			return &rule.Diagnostic{Path: path, Line: line, Col: 1, Severity: sev, Message: "not valid YAML: " + msg + "; not read"}, true
		}
		if count, depth, over := yamlbound.Count(&n, MaxYAMLNodes, MaxYAMLDepth); over {
			line := 1
			if len(n.Content) > 0 {
				line = n.Content[0].Line
			}
			msg := fmt.Sprintf("YAML of more than %d nodes with aliases expanded (the limit; %d seen); not read", MaxYAMLNodes, count-1)
			if depth > MaxYAMLDepth {
				msg = fmt.Sprintf("YAML nested deeper than %d levels (the limit); not read", MaxYAMLDepth)
			}
			return &rule.Diagnostic{Path: path, Line: line, Col: 1, Severity: sev, Message: msg}, false
		}
	}
}

// guardYAML checks, before a format that does not bound its YAML reads it,
// that the YAML (or JSON) file at path stays within MaxYAMLNodes, and, when
// it has anchors, within MaxYAMLNodes and MaxYAMLDepth with its aliases
// expanded. It returns the diagnostic of a file not to read.
func guardYAML(path string, data []byte) *rule.Diagnostic {
	if off := yamlbound.NodesAt(data, MaxYAMLNodes); off >= 0 {
		d := diagAt(path, data, off, rule.SevError, fmt.Sprintf("YAML of more than %d nodes (the limit) by this point; not read", MaxYAMLNodes))
		return &d
	}
	if !hasAnchor(data) {
		return nil
	}
	if d, invalid := yamlProblem(path, data, rule.SevError); d != nil && !invalid {
		return d
	}
	return nil // a YAML error is the format's to report
}

// checkTOML parses a TOML file that no format reads, within MaxTOMLDepth
// and MaxTOMLKeys; it returns what is wrong, nil when nothing is.
func checkTOML(path string, data []byte) *rule.Diagnostic {
	if off, what := tomlLimitAt(data); off >= 0 {
		d := diagAt(path, data, off, rule.SevWarning, what+"; not read")
		return &d
	}
	_, err := tomldoc.Decode(data)
	if err == nil {
		return nil
	}
	msg, line, col := tomldoc.Error(data, err)
	return &rule.Diagnostic{Path: path, Line: line, Col: col, Severity: rule.SevWarning, Message: "not valid TOML: " + msg + "; not read"}
}

// tomlLimitAt returns the offset where data first passes one of the limits
// of the TOML read (MaxTOMLDepth, MaxTOMLKeys) and which, or -1.
func tomlLimitAt(data []byte) (int, string) {
	off, keys := tomlDepthAt(data, MaxTOMLDepth, MaxTOMLKeys)
	switch {
	case off < 0:
		return -1, ""
	case keys > MaxTOMLKeys:
		return off, fmt.Sprintf("TOML with more than %d keys (the limit)", MaxTOMLKeys)
	}
	return off, fmt.Sprintf("TOML nested deeper than %d levels (the limit)", MaxTOMLDepth)
}

// tomlDepthAt returns the offset where the nesting of TOML arrays and inline
// tables first passes max, or where the keys counted pass maxKeys (see
// MaxTOMLKeys), with the keys counted; -1 when neither. It follows TOML's
// strings (basic and literal, one-line and multi-line) and comments, so that
// no bracket, dot or '=' in them counts; it bounds the TOML parser's
// recursion and work before it runs.
func tomlDepthAt(data []byte, max, maxKeys int) (int, int) {
	depth, keys := 0, 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case '"', '\'':
			triple := i+2 < len(data) && data[i+1] == c && data[i+2] == c
			if triple {
				i += 3
				for i < len(data) && !(data[i] == c && i+2 < len(data) && data[i+1] == c && data[i+2] == c) {
					if c == '"' && data[i] == '\\' {
						i++
					}
					i++
				}
				// The closing delimiter is the last three quotes of their run:
				// one or two more before it are the string's
				// (https://toml.io/en/v1.0.0#string: """x"""" is x").
				for i+1 < len(data) && data[i+1] == c {
					i++
				}
				continue
			}
			for i++; i < len(data) && data[i] != c && data[i] != '\n'; i++ {
				if c == '"' && data[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if c == '[' {
				if keys++; keys > maxKeys {
					return i, keys
				}
			}
			depth++
			if depth > max {
				return i, keys
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '=', '.':
			if keys++; keys > maxKeys {
				return i, keys
			}
		}
	}
	return -1, keys
}
