//go:build unix

package cli

import "syscall"

// setRecvBuffer sets a socket's receive buffer, before it connects.
func setRecvBuffer(fd uintptr, n int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}
