//go:build unix

package build

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockBuild takes the build lock of the catalog at path (an flock on
// path+".lock", released when the process ends however it ends), so that
// two builds never write the same DB.new at once.
func lockBuild(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another build of %s is running", path)
		}
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
