package cli

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The headless Chromium of the end-to-end test (serve_chromium_test.go),
// driven through chromedp: a tab, what its pages reported (script errors,
// console errors, Content-Security-Policy violations, resources that failed
// to load), and the few actions the test takes, each bounded by a context
// timeout.

// stepTimeout bounds each step the browser takes (a page loaded, a click, a
// script evaluated, a screenshot); browserLife bounds the browser as a whole,
// its start included.
const (
	stepTimeout = 60 * time.Second
	browserLife = 5 * time.Minute
)

// chromiumPath returns the Chromium or Chrome binary on PATH, or skips the
// test when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skip("headless Chromium not installed (none of chromium, chromium-browser, google-chrome on PATH; " +
		"apt-get install -y chromium, as .ci/run does): skipping the end-to-end browser test")
	return ""
}

// tab is one tab of a headless Chromium of its own.
type tab struct {
	t   *testing.T
	ctx context.Context // the tab's chromedp context

	mu       sync.Mutex
	problems []string
}

// newTab starts headless Chromium with a new profile and opens a tab; the
// browser ends with the test.
func newTab(t *testing.T) *tab {
	t.Helper()
	bin := chromiumPath(t)
	life, cancelLife := context.WithTimeout(context.Background(), browserLife)
	alloc, cancelAlloc := chromedp.NewExecAllocator(life,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	tb := &tab{t: t}
	ctx, cancelTab := chromedp.NewContext(alloc, chromedp.WithListener(tb.listen))
	t.Cleanup(func() {
		cancelTab() // closes the browser
		cancelAlloc()
		cancelLife()
	})
	// The first Do starts the browser and binds it to ctx, so it takes no
	// timeout of its own: browserLife bounds it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	tb.ctx = ctx
	return tb
}

// listen records the problems the tab's pages report. It runs in chromedp's
// read loop: it only appends under the lock.
func (tb *tab) listen(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = "script error: " + d.Text
		if d.Exception != nil {
			p += " " + d.Exception.Description
		}
		p += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			p = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		// A Content-Security-Policy violation is a browser log entry of the
		// security source; one in report-only mode is a warning, and counts too.
		if e.Level == log.EntryLevelError || strings.Contains(e.Text, "Content Security Policy") {
			p = fmt.Sprintf("browser log (%s, %s): %s %s", e.Source, e.Level, e.Text, e.URL)
		}
	}
	if p != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, p)
		tb.mu.Unlock()
	}
}

// takeProblems returns the problems reported since the last call. An
// evaluation first makes a round trip through the tab, so that the events
// the page sent before it have reached listen (its error, if any, is not
// the test's concern here: a later step reports a tab that does not answer).
func (tb *tab) takeProblems() []string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void]("0"))
	cancel()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	p := tb.problems
	tb.problems = nil
	return p
}

// check fails the test with every problem reported since the last check.
func (tb *tab) check(step string) {
	tb.t.Helper()
	if p := tb.takeProblems(); len(p) > 0 {
		tb.t.Errorf("%s: the browser reported %d problems:\n%s", step, len(p), strings.Join(p, "\n"))
	}
}

// probe shows that the listener sees what the test fails on: on a page of
// the server (sent with its Content-Security-Policy), an inline script added
// to the page must be refused and reported, and an uncaught error must be
// reported. Both are taken out of the problems; the test fails when either
// is not seen.
func (tb *tab) probe() {
	tb.t.Helper()
	ran := evalJS[bool](tb, `(() => {
		const s = document.createElement("script");
		s.textContent = "window.ruledexProbeRan = true";
		document.body.appendChild(s);
		setTimeout(() => { throw new Error("ruledex probe error") }, 0);
		return window.ruledexProbeRan === true;
	})()`)
	if ran {
		tb.t.Error("an inline script ran: the page's Content-Security-Policy does not forbid it")
	}
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	var seen []string
	for {
		seen = append(seen, tb.takeProblems()...)
		all := strings.Join(seen, "\n")
		if strings.Contains(all, "Content Security Policy") && strings.Contains(all, "ruledex probe error") {
			tb.t.Logf("probe: the listener saw the refused inline script and the uncaught error:\n%s", all)
			return
		}
		select {
		case <-ctx.Done():
			tb.t.Fatalf("probe: the listener did not see both a CSP violation and a script error within %s; it saw:\n%s", stepTimeout, all)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// do runs actions in the tab within one step's timeout.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// navigate loads u and waits for its load event.
func (tb *tab) navigate(u string) {
	tb.t.Helper()
	tb.do("navigate to "+u, chromedp.Navigate(u))
}

// clickAndLoad clicks (with the mouse, at its centre) the first element
// that matches the CSS selector and waits for the page it loads.
func (tb *tab) clickAndLoad(selector string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(selector))))
	if err != nil {
		tb.t.Fatalf("click %s: %v", selector, err)
	}
}

// evalJS evaluates a JavaScript expression in the tab and decodes its value.
func evalJS[T any](tb *tab, js string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.t.Fatalf("evaluate %.200s: %v", js, err)
	}
	return v
}

// anchor is a link of a page.
type anchor struct {
	Href string `json:"href"` // as written in the page
	URL  string `json:"url"`  // resolved
	Text string `json:"text"`
}

// anchors returns the links that match a CSS selector.
func (tb *tab) anchors(selector string) []anchor {
	tb.t.Helper()
	return evalJS[[]anchor](tb, `Array.from(document.querySelectorAll(`+jsString(selector)+`)).map(a => ({href: a.getAttribute("href"), url: a.href, text: a.textContent.trim()}))`)
}

// cssString quotes s as a CSS string.
func cssString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\a `).Replace(s) + `"`
}

// setViewport sets the size of the tab's window in CSS pixels, phone-like
// (mobile, touch) or not.
func (tb *tab) setViewport(width, height int64, mobile bool) {
	tb.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	tb.do(fmt.Sprintf("viewport %dx%d", width, height), chromedp.EmulateViewport(width, height, opts...))
}

// fullPage is a PNG of the whole page, beyond the window too.
func fullPage() chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		if m.CSSContentSize == nil {
			return nil, fmt.Errorf("no content size in the layout metrics")
		}
		beyond := true
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			CaptureBeyondViewport: &beyond,
			Clip:                  &page.Viewport{Width: m.CSSContentSize.Width, Height: m.CSSContentSize.Height, Scale: 1},
		})
		return r.Data, err
	}
}

// screenshot sets the window to width × height and saves a PNG of the whole
// page as dir/name, checking that it is width wide and at least height high.
func (tb *tab) screenshot(dir, name string, width, height int64, mobile bool) {
	tb.t.Helper()
	tb.setViewport(width, height, mobile)
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	shot, err := chromedp.Run(ctx, fullPage())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if int64(cfg.Width) != width || int64(cfg.Height) < height {
		tb.t.Errorf("screenshot %s: %dx%d, want %d wide and at least %d high", name, cfg.Width, cfg.Height, width, height)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s: %dx%d, %d bytes", path, cfg.Width, cfg.Height, len(shot))
}
