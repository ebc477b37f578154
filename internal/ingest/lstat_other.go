//go:build !linux

package ingest

import (
	"io/fs"
	"os"
)

// lstatAt returns the lstat of p, the entry name of the open folder dir;
// nil when it could not be made.
func lstatAt(dir *os.File, name, p string) fs.FileInfo {
	st, err := os.Lstat(p)
	if err != nil {
		return nil
	}
	return st
}
