package build

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress shows a build's progress: a bar redrawn in place on a terminal,
// plain lines (a stage's start and every tenth of it) otherwise.
type progress struct {
	w       io.Writer
	tty     bool
	label   string
	lastPct int // last tenth printed, -1 before the first
	drawn   time.Time
	barOn   bool
}

func newProgress(w io.Writer, tty bool) *progress { return &progress{w: w, tty: tty, lastPct: -1} }

// stage starts a new stage of the build.
func (p *progress) stage(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.clear()
	p.label = fmt.Sprintf(format, args...)
	p.lastPct = -1
	fmt.Fprintf(p.w, "ruledex: %s\n", p.label)
}

// linef prints a note.
func (p *progress) linef(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.clear()
	fmt.Fprintf(p.w, "ruledex: "+format+"\n", args...)
}

// count reports done of total items of the current stage.
func (p *progress) count(done, total int) {
	if p.w == nil || total == 0 {
		return
	}
	pct := done * 100 / total
	if p.tty {
		if now := time.Now(); done < total && now.Sub(p.drawn) < 100*time.Millisecond {
			return
		} else {
			p.drawn = now
		}
		const width = 30
		fill := done * width / total
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d", strings.Repeat("#", fill), strings.Repeat(" ", width-fill), pct, done, total)
		p.barOn = true
		if done == total {
			p.clear()
		}
		return
	}
	if d := pct / 10; d > p.lastPct {
		fmt.Fprintf(p.w, "ruledex:   %d/%d (%d%%)\n", done, total, pct)
		p.lastPct = d
	}
}

func (p *progress) clear() {
	if p.barOn {
		fmt.Fprint(p.w, "\r\033[K")
		p.barOn = false
	}
}

func (p *progress) done() {
	if p.w != nil {
		p.clear()
	}
}
