package ingest

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// walkDirList is ListFiles as it was before ListStat (filepath.WalkDir),
// kept to compare the two.
func walkDirList(t Target) ([]string, error) {
	st, err := os.Stat(t.Path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{t.Path}, nil
	}
	var files []string
	err = filepath.WalkDir(t.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != t.Path {
				files = append(files, p)
			}
			return nil
		}
		if d.IsDir() {
			if p != t.Path && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.Type().IsRegular():
			files = append(files, p)
		case d.Type()&fs.ModeSymlink != 0:
			if st, err := os.Stat(p); err != nil || !st.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	sort.Strings(files)
	files = slices.Compact(files)
	return files, err
}

// listStatTree makes a folder with every kind of entry ListFiles meets:
// links to files, to folders, dangling, looping, out of the tree; hidden
// folders and files; a named pipe; nested folders; an unreadable folder
// (chmod 000: still readable by root).
func listStatTree(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root, outside = filepath.Join(base, "repo"), filepath.Join(base, "outside")
	for p, c := range map[string]string{
		"repo/a.yml": "a", "repo/b/c.yml": "c", "repo/b/d/e.kql": "e", "repo/.hidden/h.yml": "h",
		"repo/.hf.yml": "hf", "repo/b/.git/config": "x", "repo/locked/l.yml": "l", "repo/locked/sub/m.yml": "m",
		"outside/o.yml": "o", "outside/dir/p.yml": "p", "repo/sp ace/ü.yml": "u",
	} {
		full := filepath.Join(base, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"repo/to_file.yml": "a.yml", "repo/to_dir": "b", "repo/dangling.yml": "nowhere", "repo/loop": "loop",
		"repo/b/up": "..", "repo/out.yml": filepath.Join(outside, "o.yml"), "repo/outdir": filepath.Join(outside, "dir"),
		"repo/.hidden_link": "b", "repo/b/to_hidden": "../.hidden", "repo/loop2": "loop3", "repo/loop3": "loop2",
	}
	for p, to := range links {
		if err := os.Symlink(to, filepath.Join(base, p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.yml"), 0o644); err != nil {
		t.Fatal(err)
	}
	// a setgid and a sticky file: os.Lstat's mode says so
	os.WriteFile(filepath.Join(root, "setgid.yml"), []byte("s"), 0o644)
	os.Chmod(filepath.Join(root, "setgid.yml"), 0o644|fs.ModeSetgid)
	os.WriteFile(filepath.Join(root, "sticky.yml"), []byte("s"), 0o644)
	os.Chmod(filepath.Join(root, "sticky.yml"), 0o644|fs.ModeSticky)
	os.Chmod(filepath.Join(root, "locked"), 0)
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "locked"), 0o755) })
	return root, outside
}

// TestListStatAsWalkDir: ListStat lists what filepath.WalkDir's ListFiles
// listed, each file with os.Lstat's size, mode and modification time, for
// a folder of every kind of entry, a source that is a file, and one that
// is a link.
func TestListStatAsWalkDir(t *testing.T) {
	root, outside := listStatTree(t)
	base := filepath.Dir(root)
	// sources: the folder, written in other ways; a file; a link to a file;
	// a link to a folder
	os.Symlink("repo", filepath.Join(base, "repo_link"))
	os.Symlink(filepath.Join("repo", "a.yml"), filepath.Join(base, "file_link.yml"))
	for _, src := range []string{root, root + "/", filepath.Join(root, ".") + "/.", filepath.Join(root, "a.yml"),
		filepath.Join(base, "file_link.yml"), filepath.Join(root, "b"), outside} {
		want, werr := walkDirList(Target{Path: src})
		got, gerr := ListStat(Target{Path: src})
		paths := make([]string, len(got))
		for i, l := range got {
			paths[i] = l.Path
		}
		if (werr == nil) != (gerr == nil) || !slices.Equal(paths, want) {
			t.Errorf("%s: ListStat lists\n%q (%v)\nWalkDir\n%q (%v)", src, paths, gerr, want, werr)
		}
		for _, l := range got {
			st, err := os.Lstat(l.Path)
			if err != nil || l.Info == nil {
				if l.Info != nil {
					t.Errorf("%s: ListStat says %v, os.Lstat fails: %v", l.Path, l.Info.Mode(), err)
				}
				continue
			}
			if l.Info.Size() != st.Size() || l.Info.Mode() != st.Mode() || l.Info.ModTime().UnixNano() != st.ModTime().UnixNano() ||
				l.Info.Name() != st.Name() || l.Info.IsDir() != st.IsDir() {
				t.Errorf("%s: ListStat says %d %v %v %q, os.Lstat %d %v %v %q", l.Path, l.Info.Size(), l.Info.Mode(), l.Info.ModTime(), l.Info.Name(),
					st.Size(), st.Mode(), st.ModTime(), st.Name())
			}
		}
	}
}

// TestListStatLinkedSource: a source that is a link to a folder lists the
// folder's files, under the link (filepath.WalkDir's ListFiles listed
// none: it does not follow a link, even as its root).
func TestListStatLinkedSource(t *testing.T) {
	root, _ := listStatTree(t)
	link := filepath.Join(filepath.Dir(root), "repo_link")
	if err := os.Symlink("repo", link); err != nil {
		t.Fatal(err)
	}
	direct, _ := ListStat(Target{Path: root})
	linked, err := ListStat(Target{Path: link})
	if err != nil || len(linked) != len(direct) || len(direct) == 0 {
		t.Fatalf("through the link: %d files (%v), directly: %d", len(linked), err, len(direct))
	}
	for i := range direct {
		if RelPath(link, linked[i].Path) != RelPath(root, direct[i].Path) {
			t.Errorf("%d: %s through the link, %s directly", i, linked[i].Path, direct[i].Path)
		}
	}
}
