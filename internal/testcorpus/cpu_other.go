//go:build !unix

package testcorpus

import "time"

// CPUTime is 0 where the process's CPU time is not read (not unix).
func CPUTime() time.Duration { return 0 }
