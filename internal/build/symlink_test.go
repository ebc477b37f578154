package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/store"
)

// TestBuildThroughSymlink: --db given as a symbolic link builds the
// catalog the link points to (the link stays a link, its target is the new
// catalog), and the build lock is the target's, however it is spelled.
func TestBuildThroughSymlink(t *testing.T) {
	dir, _ := fixture(t)
	tmp := t.TempDir()
	target := filepath.Join(tmp, "data", "catalog.db")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(tmp, "link.db")
	if err := os.Symlink(filepath.Join("data", "catalog.db"), link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	// The link dangles: the first build makes its target.
	if _, err := Build(context.Background(), Options{DB: link, Sources: []Source{{Path: dir}}}); err != nil {
		t.Fatal(err)
	}
	checkLink := func(when string, rules int) {
		t.Helper()
		fi, err := os.Lstat(link)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s: %s is no longer a symbolic link (%v)", when, link, err)
		}
		db, err := store.Open(target)
		if err != nil {
			t.Fatalf("%s: the target: %v", when, err)
		}
		defer db.Close()
		all, err := db.AllRules(context.Background())
		if err != nil || len(all) != rules {
			t.Errorf("%s: the target has %d rules (%v), want %d", when, len(all), err, rules)
		}
	}
	checkLink("first build", 6)
	writeTree(t, dir, map[string]string{"azure/more.yml": sigmaRule("One More", "Microsoft.Network/networkSecurityGroups/write")})
	if _, err := Build(context.Background(), Options{DB: link, Sources: []Source{{Path: dir}}}); err != nil {
		t.Fatal(err)
	}
	checkLink("second build", 7)
	if _, err := os.Stat(link + ".new"); err == nil {
		t.Errorf("%s.new left beside the link", link)
	}
	// A build of the target (spelled otherwise) holds the lock of the link's.
	realDir, err := filepath.EvalSymlinks(filepath.Dir(target)) // the temporary folder may be under a link itself
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := lockBuild(filepath.Join(realDir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(context.Background(), Options{DB: link, Sources: []Source{{Path: dir}}})
	unlock()
	if err == nil || !strings.Contains(err.Error(), "another build") {
		t.Errorf("a build through the link while the target's is running: %v", err)
	}
}
