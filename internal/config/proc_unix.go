//go:build unix

package config

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes cmd the leader of a process group of its own, so
// that the helpers it starts (git-remote-https, ssh) are killed with it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills cmd's whole process group.
func killProcessGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
