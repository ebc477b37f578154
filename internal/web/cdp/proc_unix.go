//go:build unix

package cdp

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the browser in a process group of its own, so that
// Close ends its renderer and helper processes with it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills the browser's process group (its id is the
// browser's pid).
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		cmd.Process.Kill()
	}
}
