package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestBuildCorpusSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole corpus")
	}
	srcs := corpusSources(t)
	db := filepath.Join(t.TempDir(), "c.db")
	sum, err := Build(context.Background(), Options{DB: db, Sources: srcs, Progress: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	sum.Write(os.Stderr)
}
