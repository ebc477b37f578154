package lowerelastic

import (
	"path"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

// The raw formats: a file of one query in one language (.eql, .kuery,
// .esql, .lucene), read by `ruledex parse --lang NAME FILE` whatever its
// extension. The file's name is the rule's title.
func matchExt(ext string) func(f *lang.File) bool {
	return func(f *lang.File) bool {
		return f.Ext() == ext && strings.TrimSpace(string(f.Data)) != ""
	}
}

func readRaw(language string) func(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	return func(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
		text := string(f.Data)
		if strings.TrimSpace(text) == "" {
			return nil, []rule.Diagnostic{{Path: f.Path, Line: 1, Col: 1, Severity: rule.SevWarning, Message: "empty query file"}}
		}
		name := path.Base(f.Path)
		name = strings.TrimSuffix(name, path.Ext(name))
		r := &rule.Rule{
			Platform:  Platform,
			Language:  language,
			Format:    language + "_text",
			Title:     name,
			Kind:      rule.KindHunting,
			Query:     text,
			QueryLine: 1,
		}
		r.Source.Line = 1
		return []lang.Item{{Rule: r}}, nil
	}
}
