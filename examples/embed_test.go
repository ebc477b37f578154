package examples

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestFSHoldsEveryExample: the embedded files are exactly the files of the
// folder (no example is left out of the embed).
func TestFSHoldsEveryExample(t *testing.T) {
	var embedded, onDisk []string
	if err := fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			embedded = append(embedded, p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() || d.Name()[0] == '.' || d.Name()[0] == '_' {
			continue
		}
		dir := d.Name()
		if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name()[0] != '.' && d.Name()[0] != '_' {
				onDisk = append(onDisk, filepath.ToSlash(p))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(embedded)
	sort.Strings(onDisk)
	if len(embedded) == 0 || len(embedded) != len(onDisk) {
		t.Fatalf("embedded %d files %v, folder has %d %v", len(embedded), embedded, len(onDisk), onDisk)
	}
	for i := range embedded {
		if embedded[i] != onDisk[i] {
			t.Errorf("embedded %s, folder has %s", embedded[i], onDisk[i])
		}
		want, _ := os.ReadFile(filepath.FromSlash(onDisk[i]))
		got, _ := fs.ReadFile(FS(), embedded[i])
		if string(got) != string(want) {
			t.Errorf("%s: embedded content differs", embedded[i])
		}
	}
}
