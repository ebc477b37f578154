package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/build/buildtest"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/web"
)

// The web server under abuse: oversized and malformed requests, path
// traversal, slow clients and many connections at once, on loopback.

// rawResponse is what a raw request got back.
type rawResponse struct {
	status int
	header http.Header
	body   string
	err    error // reading the response
}

// rawRequest writes req as is on a new connection to addr and reads one response.
func rawRequest(t *testing.T, addr, req string) rawResponse {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	// Write in the background: the server may answer (and close) before it
	// has read a large request.
	go io.WriteString(c, req)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return rawResponse{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

func hostOf(t *testing.T, base string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestServeLimitsSet(t *testing.T) {
	l := limits
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": l.ReadHeaderTimeout, "ReadTimeout": l.ReadTimeout,
		"WriteTimeout": l.WriteTimeout, "IdleTimeout": l.IdleTimeout} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s = %v: want a limit, at most 5 minutes", name, d)
		}
	}
	if l.ReadHeaderTimeout > l.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %v above ReadTimeout %v", l.ReadHeaderTimeout, l.ReadTimeout)
	}
	if l.MaxHeaderBytes <= 0 || l.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d: want a limit, at most 1 MiB", l.MaxHeaderBytes)
	}
	srv := newHTTPServer(http.NotFoundHandler(), l, nil)
	if srv.ReadHeaderTimeout != l.ReadHeaderTimeout || srv.ReadTimeout != l.ReadTimeout || srv.WriteTimeout != l.WriteTimeout ||
		srv.IdleTimeout != l.IdleTimeout || srv.MaxHeaderBytes != l.MaxHeaderBytes {
		t.Errorf("newHTTPServer does not apply the limits: %+v", srv)
	}
}

// TestServeMalformed sends oversized and malformed requests to `ruledex
// serve`: each gets the 4xx that fits, none a 500, and the server keeps
// serving.
func TestServeMalformed(t *testing.T) {
	base, stderr := startServeLog(t)
	addr := hostOf(t, base)
	get := func(target string, headers ...string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: " + addr + "\r\n" + strings.Join(headers, "") + "Connection: close\r\n\r\n"
	}
	big := func(n int) string { return strings.Repeat("a", n) }
	manyHeaders := func(n, size int) []string {
		var hs []string
		for i := 0; i < n; i++ {
			hs = append(hs, fmt.Sprintf("X-Pad-%d: %s\r\n", i, big(size)))
		}
		return hs
	}
	tests := []struct {
		name   string
		req    string
		status []int // any of these
		json   bool  // the answer is a JSON error
	}{
		{"huge path", get("/rules/" + big(100<<10) + "/"), []int{431, 414}, false},
		{"huge query", get("/search?q=" + big(100<<10)), []int{431, 414}, false},
		{"long path under the header limit", get("/rules/kusto/" + big(50<<10) + "/"), []int{404}, false},
		{"long hashed path", get("/rules/kusto/" + big(100) + "~~" + big(16) + "/"), []int{404}, false},
		{"many headers", get("/", manyHeaders(200, 1024)...), []int{431}, false},
		{"one huge header", get("/", "Cookie: "+big(70<<10)+"\r\n"), []int{431}, false},
		{"headers under the limit", get("/", manyHeaders(40, 1024)...), []int{200}, false},
		{"query too long for a search", get("/search?q=" + big(600)), []int{400}, false},
		{"bad query escape", get("/search?q=%zz"), []int{400}, false},
		{"bad query escape, API", get("/api/v1/search?q=%"), []int{400}, true},
		{"bad query escape in a facet", get("/rules/?f=platform:sigma&%%%"), []int{400}, false},
		{"semicolon in the query", get("/search?q=a;b"), []int{400}, false},
		{"too many query parameters", get("/search?" + strings.Repeat("a&", 15000)), []int{400}, false},
		{"invalid UTF-8 in the query", get("/search?q=%ff%fe%fd"), []int{200}, false},
		{"NUL in the query", get("/search?q=%00"), []int{200}, false},
		{"NUL in the path", get("/rules/kusto/a%00b/"), []int{404}, false},
		{"huge page number", get("/rules/?page=99999999999999999999"), []int{400}, false},
		{"negative page", get("/api/v1/rules?page=-1"), []int{400}, true},
		{"huge per_page", get("/api/v1/search?q=a&per_page=1000000"), []int{400}, true},
		{"bad facet", get("/api/v1/rules?facet=nokey"), []int{400}, true},
		{"bad path escape", get("/rules/%zz/"), []int{400}, false},
		{"control character in the path", "GET /\x01 HTTP/1.1\r\nHost: " + addr + "\r\n\r\n", []int{400}, false},
		{"space in the path", "GET /a b HTTP/1.1\r\nHost: " + addr + "\r\n\r\n", []int{400, 505}, false},
		{"unknown HTTP version", "GET / HTTP/9.9\r\nHost: " + addr + "\r\n\r\n", []int{505}, false},
		{"no Host header", "GET / HTTP/1.1\r\n\r\n", []int{400}, false},
		{"two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", []int{400}, false},
		{"bad header line", "GET / HTTP/1.1\r\nHost: " + addr + "\r\nno colon here\r\n\r\n", []int{400}, false},
		{"TLS handshake", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + big(64) + "\r\n\r\n", []int{400}, false},
		{"binary garbage", "\x00\xff\xfe\x01\r\n\r\n", []int{400}, false},
		{"POST with a large body", "POST / HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: 10485760\r\n\r\n" + big(10<<20), []int{405}, false},
		{"PUT", "PUT /rules/ HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: 0\r\n\r\n", []int{405}, false},
		{"DELETE on the API", "DELETE /api/v1/rules HTTP/1.1\r\nHost: " + addr + "\r\n\r\n", []int{405}, true},
		{"OPTIONS", "OPTIONS / HTTP/1.1\r\nHost: " + addr + "\r\n\r\n", []int{405}, false},
		{"TRACE", "TRACE / HTTP/1.1\r\nHost: " + addr + "\r\n\r\n", []int{405}, false},
		{"CONNECT", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", []int{400, 405, 421}, false},
		{"chunked body and a length", "POST / HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", []int{400, 405}, false},
		{"absolute-form target", "GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n", []int{421}, false}, // another site's name (serve --host)
	}
	for _, tt := range tests {
		r := rawRequest(t, addr, tt.req) // bounded by its own deadline: an answer, not a hang
		ok := false
		for _, s := range tt.status {
			ok = ok || r.status == s
		}
		if !ok {
			t.Errorf("%s: status %d (%v), want %v", tt.name, r.status, r.err, tt.status)
			continue
		}
		if tt.json && !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: content type %q, want a JSON error", tt.name, r.header.Get("Content-Type"))
		}
		if r.status == 405 && r.header.Get("Allow") == "" {
			t.Errorf("%s: 405 without Allow", tt.name)
		}
		if r.status == 200 && !utf8.ValidString(r.body) {
			t.Errorf("%s: the page is not valid UTF-8", tt.name)
		}
	}
	// Still serving, and nothing panicked.
	if r := rawRequest(t, addr, get("/")); r.status != 200 {
		t.Errorf("after the malformed requests: GET / %d %v", r.status, r.err)
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Errorf("the server panicked:\n%s", stderr.String())
	}
}

// TestServeTraversal asks for files outside the catalog and the embedded
// files, in every spelling: none is served, and no redirect leaves the site.
func TestServeTraversal(t *testing.T) {
	base, _ := startServeLog(t)
	addr := hostOf(t, base)
	paths := []string{
		"/rules/../../etc/passwd", "/rules/..%2f..%2fetc%2fpasswd", "/rules/%2e%2e/%2e%2e/etc/passwd",
		"/rules/%252e%252e/%252e%252e/etc/passwd", "/rules/kusto/~2E~2E~2F~2E~2E~2Fetc~2Fpasswd/",
		"/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc/passwd", "/static/%2e%2e%2f%2e%2e%2fgo.mod",
		"/static/..\\..\\go.mod", "/static/%5c..%5c..%5cgo.mod", "/static//etc/passwd", "/static/style.css/../../../go.mod",
		"/static/style.css%00.txt", "/static/templates/layout.html", "/static/../templates/layout.html",
		"/static/%2e%2e/templates/layout.html", "/templates/layout.html", "/static/static/style.css", "/static/",
		"/static/.", "/static/..", "/etc/passwd", "/./././etc/passwd", "//etc/passwd", "///etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd", "/..;/etc/passwd", "/api/v1/rules/../../../../etc/passwd",
		"/api/v1/rules/..%2f..%2f..%2fetc%2fpasswd", "/api/v1/rules/%2e%2e/%2e%2e/go.mod",
		"/tables/..%2f..%2fetc/", "/tables/~2E~2E/", "/repos/%2e%2e/", "/repos/~2E~2E~2F~2E~2E/",
		"/fields/~2F..~2F..~2Fetc~2Fpasswd/", "/indicators/..%2f/eq/..%2f/", "/events/~2E~2E/~2E~2E/",
		"/favicon.ico/../go.mod", "/go.mod", "/server.go", "/internal/web/server.go", "/.git/config",
		"/static/.git/config", "/examples/embed.go", "/static/app.js/..%2f..%2fserver.go",
		"/\\evil.example/", "//evil.example/", "/%2f%2fevil.example/", "/static//evil.example/",
	}
	secrets := []string{"root:x:0:0", "module github.com/ruledex", "package web", "package examples", "{{define", "[core]", "repositoryformatversion"}
	for _, p := range paths {
		for hop := 0; hop < 3; hop++ {
			r := rawRequest(t, addr, "GET "+p+" HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n")
			if r.err != nil {
				t.Errorf("%s: %v", p, r.err)
				break
			}
			if r.status >= 500 {
				t.Errorf("%s: status %d", p, r.status)
			}
			for _, s := range secrets {
				if strings.Contains(r.body, s) {
					t.Errorf("%s: status %d, the body holds %q", p, r.status, s)
				}
			}
			if r.status == 200 && !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: status 200 with %s", p, r.header.Get("Content-Type"))
			}
			if r.status/100 != 3 {
				break
			}
			loc := r.header.Get("Location")
			if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
				t.Errorf("%s: redirect to %q leaves the site", p, loc)
				break
			}
			p = loc
		}
	}
	// The embedded files themselves are served.
	if r := rawRequest(t, addr, "GET /static/style.css HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); r.status != 200 || !strings.Contains(r.body, "{") {
		t.Errorf("/static/style.css: %d", r.status)
	}
}

// abuseServer serves the web handler of a catalog on loopback with the
// given limits, as listenAndServe does.
func abuseServer(t *testing.T, rules []*rule.Rule, l serveLimits) string {
	t.Helper()
	cat, err := web.OpenStore(buildtest.Rules(t, rules))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	s, err := web.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(s, l, log.New(io.Discard, "", 0))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedWithin reads c until the server closes it and returns how long that took.
func closedWithin(c net.Conn, max time.Duration) (time.Duration, error) {
	t0 := time.Now()
	c.SetReadDeadline(t0.Add(max))
	_, err := io.Copy(io.Discard, c)
	d := time.Since(t0)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return d, fmt.Errorf("still open after %v", max)
	}
	return d, nil
}

// TestServeSlowClients: clients that send their request slowly, send
// nothing, stay idle or do not read the answer are cut off by the limits,
// and do not keep other clients waiting.
func TestServeSlowClients(t *testing.T) {
	// A rule body larger than the socket buffers can hold (4 MB at most by
	// default on Linux) between a server that writes and a client that does not read.
	big := strings.Repeat("T | where x == 1\n", 1<<19) // 8.9 MB
	rules := []*rule.Rule{
		{ID: "kusto/small", Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Small", Query: "T | take 1"},
		{ID: "kusto/big", Platform: "kusto", Language: "kql", Kind: rule.KindDetection, Title: "Big", Query: big},
	}
	l := serveLimits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond,
		WriteTimeout: 2500 * time.Millisecond, IdleTimeout: 700 * time.Millisecond, MaxHeaderBytes: 64 << 10}
	addr := abuseServer(t, rules, l)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	slack := 1500 * time.Millisecond

	t.Run("silent", func(t *testing.T) {
		c := dial()
		if d, err := closedWithin(c, l.ReadHeaderTimeout+slack); err != nil {
			t.Errorf("a connection that sends nothing: %v", err)
		} else {
			t.Logf("silent connection closed after %v", d.Round(time.Millisecond))
		}
	})
	t.Run("slow header", func(t *testing.T) {
		c := dial()
		stop := make(chan struct{})
		defer close(stop)
		go func() { // one header line every 50 ms, forever
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := fmt.Fprintf(c, "X-Slow-%d: y\r\n", i); err != nil {
					return
				}
			}
		}()
		if d, err := closedWithin(c, l.ReadHeaderTimeout+slack); err != nil {
			t.Errorf("a header sent a line at a time: %v", err)
		} else {
			t.Logf("slow header cut after %v", d.Round(time.Millisecond))
		}
	})
	t.Run("slow body", func(t *testing.T) {
		c := dial()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			// A body under the 256 KB that the server reads to keep the
			// connection once the handler has answered.
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := io.WriteString(c, "z"); err != nil {
					return
				}
			}
		}()
		if d, err := closedWithin(c, l.ReadTimeout+slack); err != nil {
			t.Errorf("a body sent a byte at a time: %v", err)
		} else {
			t.Logf("slow body cut after %v", d.Round(time.Millisecond))
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "GET /rules/kusto/small/ HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("status %d, close %v", resp.StatusCode, resp.Close)
		}
		t0 := time.Now()
		c.SetReadDeadline(t0.Add(l.IdleTimeout + slack))
		_, err = br.ReadByte()
		d := time.Since(t0)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("an idle kept-alive connection is still open after %v", d)
		} else if d < l.IdleTimeout/2 {
			t.Errorf("an idle kept-alive connection was closed after %v, before the idle timeout %v", d, l.IdleTimeout)
		} else {
			t.Logf("idle connection closed after %v", d.Round(time.Millisecond))
		}
	})
	t.Run("reader that reads", func(t *testing.T) {
		if raceEnabled {
			t.Skip("the write timeout tests need the answer made in well under 2.5 s, which -race does not allow")
		}
		// The big answer itself is sent whole within the write timeout to
		// a client that reads it, so the next test's cut is the timeout's.
		resp, err := http.Get("http://" + addr + "/api/v1/rules/kusto/big")
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || n < int64(len(big)) {
			t.Fatalf("status %d, %d bytes, %v", resp.StatusCode, n, err)
		}
	})
	t.Run("reader that does not read", func(t *testing.T) {
		if raceEnabled {
			t.Skip("see reader that reads")
		}
		// A small receive window, and nothing read until well after the
		// write timeout: the server gives up and the answer is cut short.
		d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			rc.Control(func(fd uintptr) { serr = setRecvBuffer(fd, 4096) })
			return serr
		}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /api/v1/rules/kusto/big HTTP/1.1\r\nHost: x\r\n\r\n")
		time.Sleep(l.WriteTimeout + time.Second)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := io.Copy(io.Discard, c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server still holds the connection after reading %d bytes", n)
		}
		if n >= int64(len(big)) {
			t.Errorf("the whole %d-byte answer was sent to a client that did not read for %v", n, l.WriteTimeout+time.Second)
		}
		t.Logf("answer cut after %d of more than %d bytes", n, len(big))
	})
	t.Run("slow clients do not block others", func(t *testing.T) {
		const slow = 300
		var conns []net.Conn
		for i := 0; i < slow; i++ {
			c := dial()
			io.WriteString(c, "GET / HTTP/1.1\r\n") // and never more
			conns = append(conns, c)
		}
		// The client's timeout is a deadline against a hang, not a figure:
		// the page must be served while the slow clients hold their
		// connections (serve's own speed is measured by ruledex bench).
		client := &http.Client{Timeout: 30 * time.Second}
		resp, err := client.Get("http://" + addr + "/rules/kusto/small/")
		if err != nil {
			t.Fatalf("with %d slow clients connected: %v", slow, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("with %d slow clients connected: status %d", slow, resp.StatusCode)
		}
	})
}

// TestServeManyConnections opens 2,000 connections to `ruledex serve` at
// once, each asking for a page, and checks that every one is answered and
// that the server lets go of them afterwards.
func TestServeManyConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 connections skipped in -short mode")
	}
	base, _ := startServeLog(t)
	paths := []string{"/", "/rules/", "/search?q=runCommand", "/attack/", "/rules/kusto/VMRunCommandByUncommonCaller/",
		"/api/v1/rules/kusto/VMRunCommandByUncommonCaller", "/api/v1/search?q=certutil", "/static/style.css"}
	// Warm up, and check the paths exist.
	for _, p := range paths {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	before := runtime.NumGoroutine()

	n := 2000
	if raceEnabled {
		n = 500 // each connection costs four goroutines here, -race allows 8,128 and runs ten times slower
	}
	tr := &http.Transport{DisableKeepAlives: true, MaxConnsPerHost: 0}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	var (
		start   = make(chan struct{})
		wg      sync.WaitGroup
		failed  atomic.Int64
		mu      sync.Mutex
		lat     []time.Duration
		errs    = map[string]int{}
		tooMany atomic.Bool
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", base+paths[i%len(paths)], nil)
			<-start
			t0 := time.Now()
			resp, err := client.Do(req)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed.Add(1)
				msg := err.Error()
				if strings.Contains(msg, "too many open files") {
					tooMany.Store(true)
				}
				if i := strings.LastIndex(msg, ": "); i > 0 {
					msg = msg[i+2:]
				}
				errs[msg]++
				return
			}
			lat = append(lat, d)
		}(i)
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	if tooMany.Load() {
		t.Skipf("this process may not open 2×%d files (ulimit -n): %v", n, errs)
	}
	if f := failed.Load(); f > 0 {
		t.Errorf("%d of %d requests failed: %v", f, n, errs)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		t.Logf("%d connections at once: all answered in %v (%.0f requests/s); latency p50 %v, p99 %v, max %v",
			n, elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds(), lat[len(lat)/2].Round(time.Millisecond),
			lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	}
	// The server lets go of the connections: its goroutines end.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+20 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before+20 {
		t.Errorf("%d goroutines 10 s after the connections closed, %d before", g, before)
	}
}
