//go:build unix

package bench

import (
	"io/fs"
	"syscall"
)

// diskSize returns the space a file takes on disk: its blocks (of 512
// bytes, as stat counts them), as du does.
func diskSize(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return 0
}
