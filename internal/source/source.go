// Package source finds rule files in a tree, tells each file's format from
// its content (never from a folder name), splits files that hold several
// rules, and reads the metadata each format carries (title, description,
// ATT&CK mapping, authors, dates, references, schedule). It fills a rule.Rule
// up to and including Query and Language; the per-language lowering
// (package lower) fills the rest from the query.
package source

import (
	"path"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// File is one file of a repository.
type File struct {
	Repo string // repository (source) name
	Path string // slash-separated path relative to the repository root
	Data []byte
}

// Item is one rule read from a file. Doc optionally carries a front end's
// parse result that the format reader already made (e.g. a Sigma document),
// so that the lowering does not parse the same text twice.
type Item struct {
	Rule *rule.Rule
	Doc  any
}

// Format is one kind of rule file.
type Format struct {
	Name string
	// Match tells, from the path's extension and the content, whether f is of this format.
	Match func(f *File) bool
	// Read returns the rules of f. A file that cannot be fully read still yields
	// what could be read, with diagnostics on the rules; diags holds problems
	// that belong to no rule (a file that yields none).
	Read func(f *File) (items []Item, diags []rule.Diagnostic)
}

// formats is tried in order; the first that matches reads the file.
var formats []Format

// Register adds a format; formats registered earlier win.
func Register(f Format) { formats = append(formats, f) }

// Detect returns the format of f, or nil when f holds no rules ruledex reads.
func Detect(f *File) *Format {
	for i := range formats {
		if formats[i].Match(f) {
			return &formats[i]
		}
	}
	return nil
}

// Read reads the rules of f with its format, or reports that f has none.
func Read(f *File) ([]Item, []rule.Diagnostic) {
	ft := Detect(f)
	if ft == nil {
		return nil, nil
	}
	return ReadAs(ft, f)
}

// ReadAs reads the rules of f as format ft.
func ReadAs(ft *Format, f *File) ([]Item, []rule.Diagnostic) {
	items, diags := ft.Read(f)
	for _, it := range items {
		r := it.Rule
		if r.Format == "" {
			r.Format = ft.Name
		}
		if r.Source.Repo == "" {
			r.Source.Repo = f.Repo
		}
		if r.Source.Path == "" {
			r.Source.Path = f.Path
		}
	}
	return items, diags
}

// Ext returns the lower-cased extension of p without the dot.
func Ext(p string) string {
	return strings.ToLower(strings.TrimPrefix(path.Ext(p), "."))
}

// ByName returns the format called name, or nil.
func ByName(name string) *Format {
	for i := range formats {
		if formats[i].Name == name {
			return &formats[i]
		}
	}
	return nil
}

// Names returns the names of the registered formats, in order.
func Names() []string {
	var ns []string
	for _, f := range formats {
		ns = append(ns, f.Name)
	}
	return ns
}
