package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang"
)

// Wherever a command names a file, "-" names standard input (a file read)
// or standard output (a file written).

// stdinName is the path the rules read from standard input are given.
const stdinName = "stdin"

// readInput returns the content of the file at path, or of standard input
// for "-", at most limit bytes (more is an error).
func readInput(env *Env, path string, limit int64) ([]byte, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = env.Stdin, "standard input"
		if r == nil {
			r = os.Stdin
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes", name, limit)
	}
	return data, nil
}

// openInput opens the file at path for reading, or standard input for "-".
func openInput(env *Env, path string) (io.ReadCloser, error) {
	if path == "-" {
		r := env.Stdin
		if r == nil {
			r = os.Stdin
		}
		return io.NopCloser(r), nil
	}
	return os.Open(path)
}

// createOutput creates the file at path, or writes to standard output for "-".
func createOutput(env *Env, path string) (io.WriteCloser, error) {
	if path == "-" {
		return nopWriteCloser{env.Stdout}, nil
	}
	return os.Create(path)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// noStdio refuses "-" for a file that cannot be a stream (a SQLite
// catalog, a folder written).
func noStdio(flagOrArg, path, what string) error {
	if path == "-" {
		return &UsageError{Msg: fmt.Sprintf("%s -: %s cannot be standard input or output", flagOrArg, what)}
	}
	return nil
}

// readRuleTargets reads rule files as ingest.Read does, "-" as the rules
// of standard input (their format told from the content, or opt.Format).
// Rule ids are unique across all of them.
func readRuleTargets(env *Env, targets []ingest.Target, opt ingest.Options) ([]ingest.FileResult, error) {
	var files []ingest.Target
	stdin := -1
	for i, t := range targets {
		if t.Path != "-" {
			files = append(files, t)
			continue
		}
		if stdin >= 0 {
			return nil, &UsageError{Msg: "'-' (standard input) given twice"}
		}
		stdin = i
	}
	var results []ingest.FileResult
	if len(files) > 0 {
		var err error
		if results, err = ingest.Read(env.Ctx, files, opt); err != nil {
			return nil, err
		}
	}
	if stdin < 0 {
		return results, nil
	}
	data, err := readInput(env, "-", ingest.MaxFileSize)
	if err != nil {
		return nil, err
	}
	repo := targets[stdin].Repo
	if repo == "" {
		repo = stdinName
	}
	format := opt.Format
	if format == "" {
		format = stdinFormat(data)
	}
	res := ingest.ReadData(repo, stdinName, "", data, format)
	if res.Format == "" && res.Skipped != "" && len(res.Diags) == 0 {
		return nil, errors.New("standard input: no rule format recognised in it (give --format or --lang)")
	}
	results = append(results, res)
	ingest.AssignIDs(results)
	return results, nil
}

// loadAttackTable reads an ATT&CK table (attack.Load: ruledex's JSON or a
// STIX bundle, gzipped or not) from path, or from standard input for "-"
// (env nil: the process's). attack.Load reads a file, so standard input
// is copied to a temporary one first.
func loadAttackTable(env *Env, path string) (*attack.Table, error) {
	if path != "-" {
		t, err := attack.Load(path)
		if err != nil {
			return nil, err
		}
		return readFrom(t, path), nil
	}
	var in io.Reader = os.Stdin
	if env != nil && env.Stdin != nil {
		in = env.Stdin
	}
	f, err := os.CreateTemp("", "ruledex-attack-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, in)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("standard input: %w", err)
	}
	t, err := attack.Load(f.Name())
	if err != nil {
		return nil, fmt.Errorf("standard input: %w", err)
	}
	return t, nil
}

// stdinFormat tells the format of rules read from standard input, which
// has no name to tell it by: the first format (in the registry's order)
// that takes the content under a name with one of its extensions. Raw
// queries, which any content would be, are left to --lang.
func stdinFormat(data []byte) string {
	raw := map[string]bool{}
	for _, l := range lang.All() {
		if l.RawFormat != "" {
			raw[l.RawFormat] = true
		}
	}
	for _, ft := range lang.Formats() {
		if raw[ft.Name] {
			continue
		}
		for _, ext := range ft.Exts {
			if got := lang.Detect(&lang.File{Path: stdinName + "." + ext, Data: data}); got == ft {
				return ft.Name
			}
		}
	}
	return ""
}
