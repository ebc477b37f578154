package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// LintRun is one `ruledex lint --format json` over the corpus in a child
// process: the bar is that linting the whole corpus takes no longer
// than building it (the full build, which lints its rules too, is the row
// above it).
type LintRun struct {
	Wall     time.Duration
	CPU      time.Duration
	MaxRSS   int64
	Rules    int // rules linted
	Findings int
}

// runLint runs `exe lint --format json args...` and measures it. Its exit
// status is 1 when it finds an error (--fail-on error): that is a
// finished run.
func runLint(ctx context.Context, exe string, args []string) (LintRun, error) {
	var run LintRun
	c, err := runChild(ctx, exe, append([]string{"lint", "--format", "json"}, args...)...)
	run.Wall, run.CPU, run.MaxRSS = c.wall, c.cpu, c.maxRSS
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return run, err
	}
	var out struct {
		Rules    int               `json:"rules"`
		Findings []json.RawMessage `json:"findings"`
	}
	if jerr := json.Unmarshal(c.stdout, &out); jerr != nil {
		if err != nil {
			return run, err
		}
		return run, fmt.Errorf("lint printed no report: %v: %.200s", jerr, c.stdout)
	}
	run.Rules, run.Findings = out.Rules, len(out.Findings)
	return run, nil
}
