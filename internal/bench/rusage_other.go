//go:build !unix

package bench

import (
	"os"
	"time"
)

// maxRSS is 0 where the system does not tell a child's peak memory.
func maxRSS(*os.ProcessState) int64 { return 0 }

// processCPU is 0 where it is not measured.
func processCPU() time.Duration { return 0 }
