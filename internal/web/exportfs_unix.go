//go:build unix

package web

import (
	"errors"
	"io/fs"
	"syscall"
)

// writeNewFile writes data to the file at path (created or truncated) with
// three system calls: os.WriteFile also tries to register the file with the
// network poller and sets and clears its non-blocking flag, five more per
// file, which an export of 55,000 files feels.
func writeNewFile(path string, data []byte) error {
	fd, err := openRetry(path)
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			syscall.Close(fd)
			return &fs.PathError{Op: "write", Path: path, Err: err}
		}
		data = data[n:]
	}
	if err := syscall.Close(fd); err != nil {
		return &fs.PathError{Op: "close", Path: path, Err: err}
	}
	return nil
}

func openRetry(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, 0o644)
		if !errors.Is(err, syscall.EINTR) {
			return fd, err
		}
	}
}

// mkdirOne makes the folder at path, whose parent exists; one that exists
// already is fine.
func mkdirOne(path string) error {
	for {
		err := syscall.Mkdir(path, 0o755)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err == nil, errors.Is(err, syscall.EEXIST):
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: path, Err: err}
	}
}
