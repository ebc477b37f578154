package kqldiff

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ruledex/ruledex/internal/ingest"
)

// corpusRel is where the shared corpus sits relative to this package's folder.
const corpusRel = "../../../shared/corpus"

// FindCorpus returns the corpus folder: env RULEDEX_CORPUS, else
// ../../../shared/corpus relative to the working directory.
func FindCorpus() (string, error) {
	dir := os.Getenv("RULEDEX_CORPUS")
	if dir == "" {
		dir = corpusRel
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return "", fmt.Errorf("kqldiff: no corpus at %s (set RULEDEX_CORPUS)", dir)
	}
	return dir, nil
}

// KQLFolders are the corpus folders that hold KQL rules.
var KQLFolders = []string{
	"azure-sentinel-2020", "m365-defender-hunting", "bertjanp-hunting",
	"reprise99-sentinel", "ep3p-sentinel", "hybridbrothers-seeds",
}

// FolderQueries tells how the queries of one folder were read.
type FolderQueries struct {
	Folder  string
	Queries int
	Via     string // "ingest", or "fallback" while no rule source yields KQL rules for the folder
}

// LoadQueries reads every KQL query of the corpus folders through the
// project's own reading path, ingest.Read, taking the rules whose language is
// kql. A folder in which ingest finds no KQL rule (the KQL rule sources are
// not there yet) is read by a simple extractor instead: YAML query: (and
// properties.queryCondition.queryText), markdown fenced blocks marked KQL or
// Kusto or unmarked, .kql/.csl/.txt files whole.
func LoadQueries(ctx context.Context, corpus string) ([]*Query, []FolderQueries, error) {
	var all []*Query
	var info []FolderQueries
	for _, folder := range KQLFolders {
		dir := filepath.Join(corpus, folder)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		res, err := ingest.Read(ctx, []ingest.Target{{Repo: folder, Path: dir}}, ingest.Options{})
		if err != nil {
			return nil, nil, err
		}
		var qs []*Query
		for _, fr := range res {
			for _, r := range fr.Rules {
				if r.Language != "kql" {
					continue
				}
				qs = append(qs, &Query{Path: folder + "/" + r.Source.Path, Line: r.QueryLine, Text: r.Query, Rule: r})
			}
		}
		via := "ingest"
		if len(qs) == 0 {
			via = "fallback"
			for _, fr := range res {
				data, err := os.ReadFile(fr.Abs)
				if err != nil {
					continue
				}
				for _, q := range ExtractQueries(fr.Path, data) {
					q.Path = folder + "/" + q.Path
					qs = append(qs, q)
				}
			}
		}
		info = append(info, FolderQueries{Folder: folder, Queries: len(qs), Via: via})
		all = append(all, qs...)
	}
	return all, info, nil
}

// ExtractQueries is the fallback extractor: the KQL queries of one file,
// told by its extension.
func ExtractQueries(path string, data []byte) []*Query {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return yamlQueries(path, data)
	case ".md":
		return markdownQueries(path, data)
	case ".kql", ".csl", ".txt":
		if len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		return []*Query{{Path: path, Line: 1, Text: string(data)}}
	}
	return nil
}

func yamlQueries(path string, data []byte) []*Query {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	var out []*Query
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n.Kind != yaml.MappingNode || depth > 3 {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case (k.Value == "query" || k.Value == "queryText") && v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) != "":
				line := v.Line
				if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
					line++ // a block scalar starts on the line after its indicator
				}
				out = append(out, &Query{Path: path, Line: line, Text: v.Value})
			case v.Kind == yaml.MappingNode:
				walk(v, depth+1)
			}
		}
	}
	walk(doc.Content[0], 0)
	return out
}

func markdownQueries(path string, data []byte) []*Query {
	var out []*Query
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "```") && !strings.HasPrefix(l, "~~~") {
			continue
		}
		fence := l[:3]
		info := strings.ToLower(strings.TrimSpace(strings.TrimLeft(l, fence[:1])))
		start := i + 1
		j := start
		for j < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[j]), fence) {
			j++
		}
		i = j
		if !(info == "" || strings.HasPrefix(info, "kql") || strings.HasPrefix(info, "kusto")) {
			continue
		}
		text := strings.Join(lines[start:min(j, len(lines))], "\n")
		if strings.TrimSpace(text) == "" {
			continue
		}
		out = append(out, &Query{Path: path, Line: start + 1, Text: text})
	}
	return out
}
