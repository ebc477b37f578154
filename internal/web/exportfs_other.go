//go:build !unix

package web

import (
	"errors"
	"io/fs"
	"os"
)

func writeNewFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }

func mkdirOne(path string) error {
	if err := os.Mkdir(path, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
