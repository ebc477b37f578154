// Package cdp drives headless Chromium through the Chrome DevTools Protocol
// for end-to-end tests: it starts the browser, opens a page over a WebSocket
// (a small client of the standard library, in ws.go), and loads URLs,
// evaluates JavaScript, clicks and takes screenshots. It knows only the few
// protocol methods these need.
//
//	b, err := cdp.Launch(ctx, cdp.Find(), dir)
//	defer b.Close()
//	p, err := b.Page(ctx)
//	err = p.Navigate(ctx, "http://127.0.0.1:8080/")
//	var title string
//	err = p.Eval(ctx, "document.title", &title)
package cdp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Find returns the path of a Chromium or Chrome binary on PATH, or "".
func Find() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Browser is a running headless Chromium.
type Browser struct {
	cmd    *exec.Cmd
	port   int
	done   chan struct{} // closed when the process has exited
	stderr *tailBuffer
}

// Launch starts headless Chromium bin with its profile in dir (which must
// exist and be empty or a previous profile) and the DevTools protocol on a
// free loopback port.
func Launch(ctx context.Context, bin, dir string, extra ...string) (*Browser, error) {
	if bin == "" {
		return nil, errors.New("cdp: no Chromium binary")
	}
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--mute-audio", "--hide-scrollbars",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir=" + dir, "--window-size=1280,1024",
	}
	args = append(args, extra...)
	args = append(args, "about:blank")
	cmd := exec.Command(bin, args...)
	setProcessGroup(cmd)
	b := &Browser{cmd: cmd, done: make(chan struct{}), stderr: &tailBuffer{max: 8 << 10}}
	cmd.Stdout = io.Discard
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		cmd.Wait()
		close(b.done)
	}()
	// Chromium writes the port it chose to DevToolsActivePort in its profile.
	portFile := filepath.Join(dir, "DevToolsActivePort")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if data, err := os.ReadFile(portFile); err == nil {
			line, _, _ := strings.Cut(string(data), "\n")
			if p, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && p > 0 {
				b.port = p
				break
			}
		}
		select {
		case <-b.done:
			return nil, fmt.Errorf("cdp: chromium exited before listening: %s", b.stderr.String())
		case <-ctx.Done():
			b.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Close()
			return nil, fmt.Errorf("cdp: chromium did not open its DevTools port in 30s: %s", b.stderr.String())
		}
	}
	return b, nil
}

// Close ends the browser and every process it started.
func (b *Browser) Close() error {
	select {
	case <-b.done:
		return nil
	default:
	}
	killProcessGroup(b.cmd)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		return errors.New("cdp: chromium did not exit")
	}
	return nil
}

// Stderr returns the last lines Chromium wrote to its standard error.
func (b *Browser) Stderr() string { return b.stderr.String() }

// target is one entry of /json/list.
type target struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	URL                  string `json:"url"`
	WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
}

// Page opens a connection to the browser's first tab and enables the
// protocol domains that Page's methods use.
func (b *Browser) Page(ctx context.Context) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:"+strconv.Itoa(b.port)+"/json/list", nil)
	if err != nil {
		return nil, err
	}
	var targets []target
	for try := 0; ; try++ {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		err = json.NewDecoder(resp.Body).Decode(&targets)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("cdp: /json/list: %w", err)
		}
		if hasPage(targets) || try == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond) // the first tab may not be listed yet
	}
	for _, t := range targets {
		if t.Type == "page" && t.WebSocketDebuggerURL != "" {
			c, err := Dial(ctx, t.WebSocketDebuggerURL)
			if err != nil {
				return nil, err
			}
			p := &Page{Conn: c}
			for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
				if err := c.Call(ctx, m, nil, nil); err != nil {
					c.Close()
					return nil, err
				}
			}
			return p, nil
		}
	}
	return nil, errors.New("cdp: the browser has no page")
}

func hasPage(ts []target) bool {
	for _, t := range ts {
		if t.Type == "page" {
			return true
		}
	}
	return false
}

// Event is a message the browser sends unasked.
type Event struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// Error is an error the browser answers a call with.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data"`
}

func (e *Error) Error() string { return fmt.Sprintf("cdp: %s (%d) %s", e.Message, e.Code, e.Data) }

type message struct {
	ID     int64           `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}

// Conn is a DevTools protocol connection: calls and their answers, and the
// events received, kept in order.
type Conn struct {
	ws *wsConn

	mu      sync.Mutex
	next    int64
	pending map[int64]chan message
	events  []Event
	notify  chan struct{} // closed and replaced when an event arrives
	err     error         // why the connection ended
	closed  chan struct{}
}

// Dial connects to a DevTools WebSocket address.
func Dial(ctx context.Context, wsURL string) (*Conn, error) {
	ws, err := dialWS(ctx, wsURL)
	if err != nil {
		return nil, err
	}
	c := &Conn{ws: ws, pending: map[int64]chan message{}, notify: make(chan struct{}), closed: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *Conn) read() {
	var err error
	for {
		var data []byte
		data, err = c.ws.readMessage()
		if err != nil {
			break
		}
		var m message
		if err = json.Unmarshal(data, &m); err != nil {
			break
		}
		c.mu.Lock()
		if m.ID != 0 {
			if ch, ok := c.pending[m.ID]; ok {
				delete(c.pending, m.ID)
				ch <- m
			}
		} else if m.Method != "" {
			c.events = append(c.events, Event{Method: m.Method, Params: m.Params})
			close(c.notify)
			c.notify = make(chan struct{})
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.err = err
	close(c.closed)
	c.mu.Unlock()
}

// Close closes the connection.
func (c *Conn) Close() error { return c.ws.close() }

// Call calls method with params and decodes its result into result (unless nil).
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	ch := make(chan message, 1)
	c.mu.Lock()
	c.next++
	id := c.next
	c.pending[id] = ch
	c.mu.Unlock()
	req, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return err
	}
	if err := c.ws.writeText(req); err != nil {
		return err
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %w", method, m.Error)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-c.closed:
		return fmt.Errorf("cdp: %s: connection closed: %v", method, c.err)
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return fmt.Errorf("cdp: %s: %w", method, ctx.Err())
	}
}

// Mark returns the number of events received so far, for WaitEvent.
func (c *Conn) Mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// WaitEvent waits for the first event named method received after mark.
func (c *Conn) WaitEvent(ctx context.Context, method string, mark int) (Event, error) {
	for {
		c.mu.Lock()
		for _, e := range c.events[min(mark, len(c.events)):] {
			if e.Method == method {
				c.mu.Unlock()
				return e, nil
			}
		}
		notify := c.notify
		c.mu.Unlock()
		select {
		case <-notify:
		case <-c.closed:
			return Event{}, fmt.Errorf("cdp: waiting for %s: connection closed: %v", method, c.err)
		case <-ctx.Done():
			return Event{}, fmt.Errorf("cdp: waiting for %s: %w", method, ctx.Err())
		}
	}
}

// Events returns the events received after mark.
func (c *Conn) Events(mark int) []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events[min(mark, len(c.events)):]...)
}

// Page is a browser tab.
type Page struct {
	*Conn
}

// Navigate loads u and waits for its load event.
func (p *Page) Navigate(ctx context.Context, u string) error {
	mark := p.Mark()
	var res struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.Call(ctx, "Page.navigate", map[string]any{"url": u}, &res); err != nil {
		return err
	}
	if res.ErrorText != "" {
		return fmt.Errorf("cdp: navigate %s: %s", u, res.ErrorText)
	}
	_, err := p.WaitEvent(ctx, "Page.loadEventFired", mark)
	return err
}

// Do evaluates a JavaScript expression that makes the page load another
// document (a click on a link, a form submitted) and waits for its load event.
func (p *Page) Do(ctx context.Context, expr string) error {
	mark := p.Mark()
	if err := p.Eval(ctx, expr, nil); err != nil {
		return err
	}
	_, err := p.WaitEvent(ctx, "Page.loadEventFired", mark)
	return err
}

// Eval evaluates a JavaScript expression in the page (awaiting it when it is
// a promise) and decodes its value, as JSON, into out (unless nil).
func (p *Page) Eval(ctx context.Context, expr string, out any) error {
	var res struct {
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.Call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if err != nil {
		return err
	}
	if e := res.ExceptionDetails; e != nil {
		return fmt.Errorf("cdp: %s: %s %s", expr, e.Text, e.Exception.Description)
	}
	if out == nil || res.Result.Type == "undefined" {
		return nil
	}
	return json.Unmarshal(res.Result.Value, out)
}

// SetViewport sets the size of the page's window in CSS pixels.
func (p *Page) SetViewport(ctx context.Context, width, height int, mobile bool) error {
	return p.Call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}, nil)
}

// Screenshot returns a PNG of the whole page, beyond the window too.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	var m struct {
		CSSContentSize struct {
			Width  float64 `json:"width"`
			Height float64 `json:"height"`
		} `json:"cssContentSize"`
	}
	if err := p.Call(ctx, "Page.getLayoutMetrics", nil, &m); err != nil {
		return nil, err
	}
	var res struct {
		Data string `json:"data"`
	}
	clip := map[string]any{"x": 0, "y": 0, "width": m.CSSContentSize.Width, "height": m.CSSContentSize.Height, "scale": 1}
	if err := p.Call(ctx, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true, "clip": clip}, &res); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(res.Data)
}

// Problems returns, as text, the script errors, console errors and browser
// log errors (a Content-Security-Policy violation, a resource that failed to
// load) received after mark.
func (p *Page) Problems(mark int) []string {
	var out []string
	for _, e := range p.Events(mark) {
		switch e.Method {
		case "Runtime.exceptionThrown":
			var v struct {
				ExceptionDetails struct {
					Text      string `json:"text"`
					URL       string `json:"url"`
					Exception struct {
						Description string `json:"description"`
					} `json:"exception"`
				} `json:"exceptionDetails"`
			}
			json.Unmarshal(e.Params, &v)
			d := v.ExceptionDetails
			out = append(out, "exception: "+d.Text+" "+d.Exception.Description+" "+d.URL)
		case "Runtime.consoleAPICalled":
			var v struct {
				Type string `json:"type"`
				Args []struct {
					Value       any    `json:"value"`
					Description string `json:"description"`
				} `json:"args"`
			}
			json.Unmarshal(e.Params, &v)
			if v.Type == "error" || v.Type == "assert" {
				var parts []string
				for _, a := range v.Args {
					parts = append(parts, fmt.Sprint(a.Value, a.Description))
				}
				out = append(out, "console."+v.Type+": "+strings.Join(parts, " "))
			}
		case "Log.entryAdded":
			var v struct {
				Entry struct {
					Source string `json:"source"`
					Level  string `json:"level"`
					Text   string `json:"text"`
					URL    string `json:"url"`
				} `json:"entry"`
			}
			json.Unmarshal(e.Params, &v)
			if v.Entry.Level == "error" {
				out = append(out, "log ("+v.Entry.Source+"): "+v.Entry.Text+" "+v.Entry.URL)
			}
		}
	}
	return out
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
