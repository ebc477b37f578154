//go:build unix

package web

import (
	"syscall"
	"time"
)

// cpuTime is the processor time (user and system) the process used so far,
// which, unlike the wall time, other work on the machine hardly changes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
