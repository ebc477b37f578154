package cli

import (
	"bufio"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeHostHeader: serve answers only requests that name it (its
// address, localhost, a --host name); a page on another site whose name
// points at 127.0.0.1 (DNS rebinding) gets 421, on pages and on the API.
func TestServeHostHeader(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--host", "Rules.Example.ORG",
			filepath.Join("..", "..", "examples")}, io.Discard, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	base := ""
	for sc.Scan() {
		if _, u, ok := strings.Cut(sc.Text(), "serving on "); ok {
			base = strings.TrimSuffix(u, "/")
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		t.Fatal("server did not start")
	}
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	}()
	addr := hostOf(t, base)
	_, port, _ := net.SplitHostPort(addr)
	for host, want := range map[string]int{
		addr:                         200,
		"127.0.0.1":                  200,
		"localhost:" + port:          200,
		"LOCALHOST.":                 200,
		"app.localhost:" + port:      200,
		"[::1]:" + port:              200,
		"rules.example.org":          200,
		"rules.example.org:" + port:  200,
		"attacker.example:" + port:   421,
		"attacker.example":           421,
		"127.0.0.1.nip.io":           421,
		"10.1.2.3:" + port:           421,
		"localhost.attacker.example": 421,
	} {
		for _, p := range []string{"/", "/api/v1/stats"} {
			r := rawRequest(t, addr, "GET "+p+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
			if r.err != nil {
				t.Fatalf("Host %s %s: %v", host, p, r.err)
			}
			if r.status != want {
				t.Errorf("Host %s %s: %d, want %d", host, p, r.status, want)
			}
			if want == 421 && strings.HasPrefix(p, "/api/") && !strings.Contains(r.header.Get("Content-Type"), "json") {
				t.Errorf("Host %s %s: Content-Type %q, want JSON", host, p, r.header.Get("Content-Type"))
			}
		}
	}
	// No Host header at all (HTTP/1.0) is refused too.
	if r := rawRequest(t, addr, "GET / HTTP/1.0\r\n\r\n"); r.status != 421 {
		t.Errorf("no Host: %d (%v), want 421", r.status, r.err)
	}
}

func TestHostFlag(t *testing.T) {
	var l hostList
	for _, bad := range []string{"", "a/b", "host:80", "user@host"} {
		if err := l.Set(bad); err == nil {
			t.Errorf("--host %q accepted", bad)
		}
	}
	if err := l.Set("[::1]"); err != nil {
		t.Error(err)
	}
}
