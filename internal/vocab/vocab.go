package vocab

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:embed data/*.yaml
var dataFS embed.FS

// Canonical is one canonical field name.
type Canonical struct {
	Name  string // ECS name, e.g. process.command_line
	Title string // in plain words, e.g. "process command line"
	ECS   bool   // the name is ECS's; false: ruledex's own, in ECS's style
	// Basename: for a path field, the field that holds its last element
	// (process.executable → process.name).
	Basename string
	// Part: the field holds one part of another (process.args of
	// process.command_line): a value of it is contained in the other.
	Part string
}

// Mapping is what one field of a source means.
type Mapping struct {
	Field     string // as the source spells it
	Canonical string // "" when the source has the field but no canonical name fits
}

// Source is one table, log source, data model or event type of a platform.
type Source struct {
	Platform string
	Name     string
	Kind     string // process, network, dns, file, registry, image_load, authentication, cloud, email...; "" for fallbacks
	Doc      string // the vendor's schema document
	// Complete: Fields lists every field the source has (see HasField).
	Complete bool
	Fallback bool               // applies to every rule of the platform, after the chosen sources
	Tables   []string           // globs (path.Match, case-insensitive) over a rule's tables
	When     []string           // field=value: a positive indicator that chooses the source
	Prefix   string             // fields may be written with this prefix (Splunk's Processes.)
	Identity []string           // fields with these prefixes are their own canonical name
	fields   map[string]Mapping // by lower-cased field
}

// Fields returns the source's fields, sorted.
func (s *Source) Fields() []Mapping {
	out := make([]Mapping, 0, len(s.fields))
	for _, m := range s.fields {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// Lookup returns what field means in s: its canonical name ("" when the
// source has it but nothing canonical fits) and whether s knows the field.
func (s *Source) Lookup(field string) (canonical string, ok bool) {
	f := strings.ToLower(field)
	if m, ok := s.fields[f]; ok {
		return m.Canonical, true
	}
	if p := strings.ToLower(s.Prefix); p != "" && strings.HasPrefix(f, p) {
		if m, ok := s.fields[f[len(p):]]; ok {
			return m.Canonical, true
		}
	}
	for _, id := range s.Identity {
		if strings.HasPrefix(field, id) && (strings.HasSuffix(id, ".") || field == id) {
			return field, true
		}
	}
	return "", false
}

type fileData struct {
	Platform  string                   `yaml:"platform"`
	Context   []string                 `yaml:"context"`
	Canonical map[string]canonicalData `yaml:"canonical"`
	Fieldsets map[string]fieldsetData  `yaml:"fieldsets"`
	Sources   []sourceData             `yaml:"sources"`
}

type canonicalData struct {
	Title    string `yaml:"title"`
	ECS      *bool  `yaml:"ecs"`
	Basename string `yaml:"basename"`
	Part     string `yaml:"part"`
}

type fieldsetData struct {
	Doc    string            `yaml:"doc"`
	Fields map[string]string `yaml:"fields"`
}

type sourceData struct {
	Name     string            `yaml:"name"`
	Kind     string            `yaml:"kind"`
	Doc      string            `yaml:"doc"`
	Complete bool              `yaml:"complete"`
	Fallback bool              `yaml:"fallback"`
	Tables   []string          `yaml:"tables"`
	When     []string          `yaml:"when"`
	Prefix   string            `yaml:"prefix"`
	Identity []string          `yaml:"identity"`
	Use      []string          `yaml:"use"`
	Fields   map[string]string `yaml:"fields"`
}

// Vocabulary is the whole vocabulary: canonical names and every platform's sources.
type Vocabulary struct {
	canonical  map[string]Canonical
	byPlatform map[string][]*Source
	context    map[string][]string // platform → prefixes of context fields

	spellOnce sync.Once
	spellings map[string][]string // lower-cased canonical name → its spellings (Spellings)
}

// IsContext tells whether field is not a field of the platform's events but
// of context a rule joins to them (Chronicle's entity graph, graph.*): the
// vocabulary's coverage of event fields leaves such fields out.
func (v *Vocabulary) IsContext(platform, field string) bool {
	for _, p := range v.context[platform] {
		if strings.HasPrefix(field, p) {
			return true
		}
	}
	return false
}

var (
	loadOnce sync.Once
	loaded   *Vocabulary
	loadErr  error
)

// Default returns the embedded vocabulary. It panics when the embedded data
// is malformed (a test loads it).
func Default() *Vocabulary {
	loadOnce.Do(func() { loaded, loadErr = Load(dataFS) })
	if loadErr != nil {
		panic(loadErr)
	}
	return loaded
}

// Load reads a vocabulary from the data/*.yaml files of fsys.
func Load(fsys fs.FS) (*Vocabulary, error) {
	names, err := fs.Glob(fsys, "data/*.yaml")
	if err != nil {
		return nil, err
	}
	v := &Vocabulary{canonical: map[string]Canonical{}, byPlatform: map[string][]*Source{}, context: map[string][]string{}}
	var files []fileData
	sets := map[string]fieldsetData{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		var fd fileData
		if err := yaml.Unmarshal(b, &fd); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		for name, c := range fd.Canonical {
			ecs := c.ECS == nil || *c.ECS
			v.canonical[name] = Canonical{Name: name, Title: c.Title, ECS: ecs, Basename: c.Basename, Part: c.Part}
		}
		for name, s := range fd.Fieldsets {
			if _, dup := sets[name]; dup {
				return nil, fmt.Errorf("%s: field set %q defined twice", n, name)
			}
			sets[name] = s
		}
		v.context[fd.Platform] = append(v.context[fd.Platform], fd.Context...)
		if len(fd.Sources) > 0 && fd.Platform == "" {
			return nil, fmt.Errorf("%s: sources without a platform", n)
		}
		files = append(files, fd)
	}
	for _, fd := range files {
		for _, sd := range fd.Sources {
			s := &Source{Platform: fd.Platform, Name: sd.Name, Kind: sd.Kind, Doc: sd.Doc, Complete: sd.Complete,
				Fallback: sd.Fallback, Tables: sd.Tables, When: sd.When, Prefix: sd.Prefix, Identity: sd.Identity,
				fields: map[string]Mapping{}}
			if s.Doc == "" {
				return nil, fmt.Errorf("%s source %q cites no schema document", fd.Platform, sd.Name)
			}
			add := func(m map[string]string) error {
				for f, c := range m {
					if c == "-" {
						c = ""
					}
					if c != "" && !strings.Contains(c, ".") && c != "message" && c != "tags" && c != "@timestamp" {
						return fmt.Errorf("%s source %q: %s maps to %q, not a canonical name", fd.Platform, sd.Name, f, c)
					}
					k := strings.ToLower(f)
					if _, seen := s.fields[k]; !seen {
						s.fields[k] = Mapping{Field: f, Canonical: c}
					}
				}
				return nil
			}
			if err := add(sd.Fields); err != nil {
				return nil, err
			}
			for _, u := range sd.Use {
				set, ok := sets[u]
				if !ok {
					return nil, fmt.Errorf("%s source %q uses unknown field set %q", fd.Platform, sd.Name, u)
				}
				if err := add(set.Fields); err != nil {
					return nil, err
				}
			}
			v.byPlatform[fd.Platform] = append(v.byPlatform[fd.Platform], s)
		}
	}
	return v, nil
}

// Canonical returns the canonical name name, and whether the vocabulary
// lists it (an ECS field an identity mapping gives need not be listed).
func (v *Vocabulary) Canonical(name string) (Canonical, bool) {
	c, ok := v.canonical[name]
	if !ok {
		return Canonical{Name: name, ECS: true}, false
	}
	return c, true
}

// Canonicals returns every listed canonical name, sorted.
func (v *Vocabulary) Canonicals() []Canonical {
	out := make([]Canonical, 0, len(v.canonical))
	for _, c := range v.canonical {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Platforms returns the platforms that have sources, sorted.
func (v *Vocabulary) Platforms() []string {
	out := make([]string, 0, len(v.byPlatform))
	for p := range v.byPlatform {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Sources returns the sources of platform, in the order of its data file.
func (v *Vocabulary) Sources(platform string) []*Source { return v.byPlatform[platform] }

// matchTable tells whether a glob of s matches table.
func (s *Source) matchTable(table string) bool {
	t := strings.ToLower(table)
	for _, g := range s.Tables {
		if wildcard(strings.ToLower(g), t) {
			return true
		}
	}
	return false
}

// Select returns the sources of platform that a rule with these tables
// reads, then the platform's fallbacks. has tells whether the rule has a
// positive indicator field = value (for sources chosen by When); it may be
// nil.
func (v *Vocabulary) Select(platform string, tables []string, has func(field, value string) bool) []*Source {
	var chosen, fallback []*Source
	for _, s := range v.byPlatform[platform] {
		if s.Fallback {
			fallback = append(fallback, s)
			continue
		}
		tablesOK := len(s.Tables) == 0
		for _, t := range tables {
			if s.matchTable(t) {
				tablesOK = true
				break
			}
		}
		whenOK := len(s.When) == 0
		for _, w := range s.When {
			f, val, _ := strings.Cut(w, "=")
			if has != nil && has(f, val) {
				whenOK = true
				break
			}
		}
		if tablesOK && whenOK && (len(s.Tables) > 0 || len(s.When) > 0) {
			chosen = append(chosen, s)
		}
	}
	return append(chosen, fallback...)
}

// Resolve returns the canonical name of field among sources (as Select
// returns them): the first source that knows the field decides. ok is false
// when no source knows it; canonical is "" when the source that knows it has
// no canonical name for it.
func Resolve(sources []*Source, field string) (canonical string, src *Source, ok bool) {
	for _, s := range sources {
		if c, ok := s.Lookup(field); ok {
			return c, s, true
		}
	}
	return "", nil, false
}

// HasField tells whether the table (as a rule of platform names it in its
// tables: a KQL table, Sigma's product/service/category, a Splunk
// datamodel:X) has field. known is true only when the vocabulary has the
// table's complete field list; when known is false, has says nothing. A
// lint check "predicate on a field its source does not have" reports a
// field when known && !has.
func HasField(platform, table, field string) (known, has bool) {
	v := Default()
	for _, s := range v.byPlatform[platform] {
		if s.Fallback || !s.matchTable(table) || len(s.When) > 0 {
			continue
		}
		if _, ok := s.Lookup(field); ok {
			return true, true
		}
		if s.Complete {
			known = true
		}
	}
	if known {
		// Fallback sources hold fields every event of the platform has
		// (Windows' EventID, Provider_Name).
		for _, s := range v.byPlatform[platform] {
			if s.Fallback {
				if _, ok := s.Lookup(field); ok {
					return true, true
				}
			}
		}
	}
	return known, false
}

// wildcard tells whether s matches pattern, in which * stands for any run of
// characters.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
