// Package config reads ruledex.yaml, the file that names the rule
// repositories a catalog is built from:
//
//	db: ruledex.db            # optional, default ruledex.db
//	sources:
//	  - name: sigma           # repository name recorded on its rules
//	    path: sources/sigma   # its checkout; relative to this file
//	    git: https://github.com/SigmaHQ/sigma.git   # optional: `ruledex sync` clones or pulls it
//	    ref: master           # optional branch, tag or commit
//	    lint:                 # optional: lint checks off for this source's rules
//	      disable: [kql-no-time-filter]
//	lint:                     # optional: lint checks off for every source (ruledex lint)
//	  disable: [description-missing, attack-missing]
//
// Sync clones or updates the sources that name a git address, with the
// system's git.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultFile is the configuration file looked for in the working folder.
const DefaultFile = "ruledex.yaml"

// Config is a ruledex.yaml.
type Config struct {
	Path    string   // the file it was read from
	DB      string   // catalog file, resolved against the file's folder
	Sources []Source // in order
	// LintDisable are the lint checks turned off for every source;
	// SourceLintDisable those turned off for one source, by its name.
	LintDisable       []string
	SourceLintDisable map[string][]string
}

// Source is one rule repository.
type Source struct {
	Name string
	Path string // resolved against the configuration file's folder
	Git  string // clone address, "" for a folder that is not synced
	Ref  string // branch, tag or commit; "" for the remote's default branch
	Line int    // line of the entry in the file
}

// Error is a problem in a configuration file, with its position.
type Error struct {
	Path      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg) }

// ErrorList is every problem of a file, in order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns l as an error, nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Load reads the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads a configuration from data, the content of the file at path.
// It returns what it could read with every problem, as an ErrorList.
func Parse(path string, data []byte) (*Config, error) {
	cfg := &Config{Path: path}
	var errs ErrorList
	fail := func(n *yaml.Node, format string, args ...any) {
		line, col := 1, 1
		if n != nil {
			line, col = n.Line, n.Column
		}
		errs = append(errs, &Error{Path: path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
				_, msg, _ = strings.Cut(msg, ": ")
			}
		}
		errs = append(errs, &Error{Path: path, Line: line, Col: 1, Msg: msg})
		return cfg, errs
	}
	dir := filepath.Dir(path)
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		if strings.HasPrefix(p, "~/") {
			if home, err := os.UserHomeDir(); err == nil {
				return filepath.Join(home, p[2:])
			}
		}
		return filepath.Join(dir, p)
	}
	if len(doc.Content) == 0 {
		return cfg, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		fail(root, "the file must be a mapping with db and sources")
		return cfg, errs
	}
	names := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "db":
			if v.Kind != yaml.ScalarNode {
				fail(v, "db must be a file name")
				continue
			}
			cfg.DB = resolve(v.Value)
		case "sources":
			if v.Kind != yaml.SequenceNode {
				fail(v, "sources must be a list")
				continue
			}
			for _, item := range v.Content {
				if item.Kind != yaml.MappingNode {
					fail(item, "a source must be a mapping with name, path, git and ref")
					continue
				}
				s := Source{Line: item.Line}
				var lintOff []string
				for j := 0; j+1 < len(item.Content); j += 2 {
					sk, sv := item.Content[j], item.Content[j+1]
					if sk.Value == "lint" {
						lintOff = append(lintOff, lintDisable(sv, fail)...)
						continue
					}
					if sv.Kind != yaml.ScalarNode {
						fail(sv, "%s must be a string", sk.Value)
						continue
					}
					switch sk.Value {
					case "name":
						s.Name = sv.Value
					case "path":
						s.Path = sv.Value
					case "git", "url":
						s.Git = sv.Value
					case "ref", "branch":
						s.Ref = sv.Value
					default:
						fail(sk, "unknown key %q in a source (name, path, git, ref, lint)", sk.Value)
					}
				}
				if s.Name == "" {
					switch {
					case s.Path != "":
						s.Name = filepath.Base(filepath.Clean(s.Path))
					case s.Git != "":
						s.Name = strings.TrimSuffix(filepath.Base(strings.TrimSuffix(s.Git, "/")), ".git")
					default:
						fail(item, "a source needs a path or a git address")
						continue
					}
				}
				if s.Path == "" {
					if s.Git == "" {
						fail(item, "source %s needs a path or a git address", s.Name)
						continue
					}
					// The name makes the folder: it must stay one folder
					// under sources/ (no "..", no separator, not absolute).
					if !filepath.IsLocal(s.Name) || strings.ContainsAny(s.Name, `/\`) {
						fail(item, "source name %q cannot name a folder under sources/; give it a path", s.Name)
						continue
					}
					s.Path = filepath.Join("sources", s.Name)
				}
				if s.Git != "" {
					if err := checkGitAddress(s.Git); err != nil {
						fail(item, "source %s: %v", s.Name, err)
						continue
					}
				}
				if strings.HasPrefix(s.Ref, "-") || strings.HasPrefix(s.Git, "-") {
					fail(item, "source %s: git address and ref may not start with '-'", s.Name)
					continue
				}
				s.Path = resolve(s.Path)
				if prev, dup := names[s.Name]; dup {
					fail(item, "source name %s is used twice (first on line %d)", s.Name, prev)
					continue
				}
				names[s.Name] = item.Line
				cfg.Sources = append(cfg.Sources, s)
				if len(lintOff) > 0 {
					if cfg.SourceLintDisable == nil {
						cfg.SourceLintDisable = map[string][]string{}
					}
					cfg.SourceLintDisable[s.Name] = lintOff
				}
			}
		case "lint":
			cfg.LintDisable = append(cfg.LintDisable, lintDisable(v, fail)...)
		default:
			fail(k, "unknown key %q (db, sources, lint)", k.Value)
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return cfg, errs.Err()
}

// lintDisable reads a lint: mapping, `disable:` a list of check ids (or
// one id, or ids separated by commas).
func lintDisable(v *yaml.Node, fail func(*yaml.Node, string, ...any)) []string {
	if v.Kind != yaml.MappingNode {
		fail(v, "lint must be a mapping with disable")
		return nil
	}
	var ids []string
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, l := v.Content[i], v.Content[i+1]
		if k.Value != "disable" {
			fail(k, "unknown key %q in lint (disable)", k.Value)
			continue
		}
		switch l.Kind {
		case yaml.ScalarNode:
			for _, id := range strings.Split(l.Value, ",") {
				if id = strings.TrimSpace(id); id != "" {
					ids = append(ids, id)
				}
			}
		case yaml.SequenceNode:
			for _, e := range l.Content {
				if e.Kind != yaml.ScalarNode || strings.TrimSpace(e.Value) == "" {
					fail(e, "lint: disable: lists check ids")
					continue
				}
				ids = append(ids, strings.TrimSpace(e.Value))
			}
		default:
			fail(l, "lint: disable: must be a list of check ids")
		}
	}
	return ids
}

// gitTransports are the transports sync lets git use: an address naming
// another (ext::, fd::, a git-remote-<helper> on PATH) could run any
// program (https://git-scm.com/docs/git#Documentation/git.txt-codeprotocolallowcode).
var gitTransports = []string{"https", "http", "ssh", "git", "file"}

// checkGitAddress tells whether addr names a transport sync allows: a URL
// of one of gitTransports, scp-like user@host:path (ssh), or a local path.
func checkGitAddress(addr string) error {
	if i := strings.Index(addr, "::"); i >= 0 && !strings.Contains(addr[:i], "/") {
		return fmt.Errorf("git address %q names the transport %q; only %s are allowed", addr, addr[:i], strings.Join(gitTransports, ", "))
	}
	if i := strings.Index(addr, "://"); i >= 0 {
		scheme := strings.ToLower(addr[:i])
		for _, t := range gitTransports {
			if scheme == t || scheme == "git+ssh" || scheme == "ssh+git" {
				return nil
			}
		}
		return fmt.Errorf("git address %q uses the transport %q; only %s are allowed", addr, scheme, strings.Join(gitTransports, ", "))
	}
	return nil // user@host:path (ssh) or a local path (file)
}
