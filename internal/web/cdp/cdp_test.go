package cdp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeDevTools is a WebSocket server speaking just enough of the protocol:
// it answers every call with {"echo": method, "params": params}, sends an
// event before each answer, splits answers into fragments and pings first.
func fakeDevTools(t *testing.T, bigAnswer int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "no upgrade", 400)
			return
		}
		sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + wsGUID))
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			base64.StdEncoding.EncodeToString(sum[:]))
		rw.Flush()
		srv := &wsConn{c: c, br: rw.Reader}
		for {
			msg, err := readClientMessage(srv)
			if err != nil {
				return
			}
			var m message
			if err := json.Unmarshal(msg, &m); err != nil {
				t.Errorf("bad call %q: %v", msg, err)
				return
			}
			ev, _ := json.Marshal(map[string]any{"method": "Test.event", "params": map[string]any{"for": m.Method}})
			writeServerFrame(rw, true, opPing, []byte("hi"))
			writeServerFrame(rw, true, opText, ev)
			res := map[string]any{"echo": m.Method, "params": m.Params}
			if m.Method == "Test.big" {
				res["big"] = strings.Repeat("x", bigAnswer)
			}
			if m.Method == "Test.fail" {
				ans, _ := json.Marshal(map[string]any{"id": m.ID, "error": map[string]any{"code": -32000, "message": "it failed"}})
				writeServerFrame(rw, true, opText, ans)
				rw.Flush()
				continue
			}
			ans, _ := json.Marshal(map[string]any{"id": m.ID, "result": res})
			// Three fragments: text, continuation, final continuation.
			a, b := len(ans)/3, 2*len(ans)/3
			writeServerFrame(rw, false, opText, ans[:a])
			writeServerFrame(rw, false, opContinuation, ans[a:b])
			writeServerFrame(rw, true, opContinuation, ans[b:])
			rw.Flush()
		}
	}))
}

// readClientMessage reads one message of a client, checking it is masked.
func readClientMessage(w *wsConn) ([]byte, error) {
	for {
		h, err := w.br.Peek(2)
		if err != nil {
			return nil, err
		}
		if h[1]&0x80 == 0 {
			return nil, fmt.Errorf("client frame not masked")
		}
		_, op, p, err := w.readFrame()
		if err != nil {
			return nil, err
		}
		if op == opPong {
			if string(p) != "hi" {
				return nil, fmt.Errorf("pong %q", p)
			}
			continue
		}
		if op == opClose {
			return nil, io.EOF
		}
		return p, nil
	}
}

func writeServerFrame(w *bufio.ReadWriter, fin bool, op byte, p []byte) {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	hdr := []byte{b0}
	switch n := len(p); {
	case n < 126:
		hdr = append(hdr, byte(n))
	case n <= 0xFFFF:
		hdr = append(hdr, 126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	w.Write(hdr)
	w.Write(p)
}

func TestConnFake(t *testing.T) {
	srv := fakeDevTools(t, 200_000)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/devtools/page/1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mark := c.Mark()
	var res struct {
		Echo   string         `json:"echo"`
		Params map[string]any `json:"params"`
		Big    string         `json:"big"`
	}
	if err := c.Call(ctx, "Test.one", map[string]any{"a": 1}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Echo != "Test.one" || res.Params["a"] != 1.0 {
		t.Errorf("answer %+v", res)
	}
	if _, err := c.WaitEvent(ctx, "Test.event", mark); err != nil {
		t.Fatal(err)
	}
	// An answer longer than 65,535 bytes (64-bit length), in fragments.
	if err := c.Call(ctx, "Test.big", nil, &res); err != nil || len(res.Big) != 200_000 {
		t.Fatalf("big answer: %v, %d bytes", err, len(res.Big))
	}
	// A call longer than 125 and 65,535 bytes.
	long := strings.Repeat("y", 70_000)
	if err := c.Call(ctx, "Test.long", map[string]any{"s": long}, &res); err != nil || res.Params["s"] != long {
		t.Fatalf("long call: %v", err)
	}
	if err := c.Call(ctx, "Test.fail", nil, nil); err == nil || !strings.Contains(err.Error(), "it failed") {
		t.Errorf("error answer: %v", err)
	}
	if n := len(c.Events(mark)); n != 4 {
		t.Errorf("%d events, want 4", n)
	}
	// A call whose context ends returns.
	short, cancel2 := context.WithCancel(ctx)
	cancel2()
	if err := c.Call(short, "Test.two", nil, nil); err == nil {
		t.Error("call with a cancelled context succeeded")
	}
}

func TestDialRejects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Sec-WebSocket-Accept", "wrong")
		w.WriteHeader(http.StatusSwitchingProtocols)
	}))
	defer srv.Close()
	if _, err := Dial(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http")); err == nil || !strings.Contains(err.Error(), "Accept") {
		t.Errorf("bad accept key: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Dial(t.Context(), "ws://"+addr+"/"); err == nil {
		t.Error("dial to a closed port succeeded")
	}
	if _, err := Dial(t.Context(), "wss://example.com/"); err == nil {
		t.Error("wss accepted")
	}
}

// TestChromium drives the real browser over a page of a test server.
func TestChromium(t *testing.T) {
	bin := Find()
	if bin == "" {
		t.Skip("Chromium not installed (apt-get install -y chromium): skipping")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		switch r.URL.Path {
		case "/":
			io.WriteString(w, `<!doctype html><title>one</title><h1>One</h1><a id="next" href="/two">two</a><script>alert(1)</script>`)
		case "/two":
			io.WriteString(w, `<!doctype html><title>two</title><meta name="viewport" content="width=device-width"><h1>Two</h1>`+strings.Repeat("<p>line</p>", 100))
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	b, err := Launch(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.Page(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	mark := p.Mark()
	if err := p.Navigate(ctx, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	var title string
	if err := p.Eval(ctx, "document.title", &title); err != nil || title != "one" {
		t.Fatalf("title %q: %v", title, err)
	}
	// The inline script is refused by the CSP, and the browser says so.
	probs := p.Problems(mark)
	if len(probs) == 0 || !strings.Contains(strings.Join(probs, "\n"), "Content Security Policy") {
		t.Errorf("no CSP violation reported: %q", probs)
	}
	if err := p.Do(ctx, `document.getElementById("next").click()`); err != nil {
		t.Fatal(err)
	}
	var path string
	if err := p.Eval(ctx, "location.pathname", &path); err != nil || path != "/two" {
		t.Fatalf("after click: %q %v", path, err)
	}
	if err := p.Eval(ctx, "nosuchthing.x", nil); err == nil {
		t.Error("a failing expression gave no error")
	}
	if err := p.SetViewport(ctx, 400, 300, true); err != nil {
		t.Fatal(err)
	}
	shot, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 400 || cfg.Height < 3000 || cfg.Height > 10000 {
		t.Errorf("screenshot %dx%d, want 400 wide and the whole page high", cfg.Width, cfg.Height)
	}
	if err := b.Close(); err != nil {
		t.Error(err)
	}
}
