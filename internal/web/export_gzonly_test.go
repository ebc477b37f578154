package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportGzipOnly checks that GzipOnly writes every file of the export
// compressed and nothing else: FILE.gz for each FILE of a plain export,
// decompressing to it.
func TestExportGzipOnly(t *testing.T) {
	cat := testCatalog(t)
	plain, gz := t.TempDir(), t.TempDir()
	sp, err := Export(t.Context(), cat, plain, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := Export(t.Context(), cat, gz, ExportOptions{GzipOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if sg.Files != sp.Files || sg.Pages != sp.Pages || sg.Bytes*2 > sp.Bytes {
		t.Errorf("plain %+v, gzip only %+v", sp, sg)
	}
	n := 0
	err = filepath.WalkDir(gz, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(p, ".gz") {
			t.Errorf("%s is not compressed", p)
			return nil
		}
		rel, _ := filepath.Rel(gz, strings.TrimSuffix(p, ".gz"))
		want, err := os.ReadFile(filepath.Join(plain, rel))
		if err != nil {
			t.Errorf("%s: no such file in the plain export", rel)
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the plain export's file", p)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != sp.Files {
		t.Errorf("%d compressed files, %d in the plain export", n, sp.Files)
	}
}

// TestExportGzipAndGzipOnly: asking both copies and the compressed one
// alone is an error, before anything is written.
func TestExportGzipAndGzipOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := Export(t.Context(), testCatalog(t), dir, ExportOptions{Gzip: true, GzipOnly: true}); err == nil {
		t.Error("Export with Gzip and GzipOnly: no error")
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("Export with Gzip and GzipOnly wrote %s", dir)
	}
}
