package config

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hungRemote listens on loopback, accepts every connection and never
// answers: a git remote that hangs. It returns its http address.
func hungRemote(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // kept open, never written to
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/rules.git"
}

func needGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
}

// TestSyncHungRemote: a remote that accepts and never answers ends the
// sync with an error once git's low-speed limit passes, leaves no half
// clone behind, and a later sync fails the same clean way (not "exists and
// is not a git checkout").
func TestSyncHungRemote(t *testing.T) {
	needGit(t)
	defer func(s string) { lowSpeedTime = s }(lowSpeedTime)
	lowSpeedTime = "2"
	dir := t.TempDir()
	cfg := &Config{Sources: []Source{{Name: "hung", Path: filepath.Join(dir, "sources", "hung"), Git: hungRemote(t)}}}
	for round := 1; round <= 2; round++ {
		done := make(chan error, 1)
		go func() {
			_, err := Sync(context.Background(), cfg, io.Discard)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Fatalf("round %d: sync of a hung remote succeeded", round)
			}
			if strings.Contains(err.Error(), "not a git checkout") {
				t.Fatalf("round %d: %v", round, err)
			}
		case <-time.After(2 * time.Minute):
			t.Fatalf("round %d: sync still waiting on a hung remote after 2 minutes", round)
		}
		if _, err := os.Stat(cfg.Sources[0].Path); !os.IsNotExist(err) {
			t.Fatalf("round %d: a half clone is left at %s (%v)", round, cfg.Sources[0].Path, err)
		}
		if ents, _ := os.ReadDir(filepath.Dir(cfg.Sources[0].Path)); len(ents) != 0 {
			t.Fatalf("round %d: left behind: %v", round, ents)
		}
	}
}

// TestSyncInterrupted: a sync stopped (Ctrl-C cancels the context) while
// git waits on a hung remote returns at once, its temporary clone removed.
func TestSyncInterrupted(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	cfg := &Config{Sources: []Source{{Name: "hung", Path: filepath.Join(dir, "hung"), Git: hungRemote(t)}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Sync(ctx, cfg, io.Discard)
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an interrupted sync succeeded")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sync did not stop within 30 s of its interruption")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left behind: %v", ents)
	}
}

// TestParseRefusesUnsafeSources: a name that would clone outside sources/
// and transports that run programs are configuration errors.
func TestParseRefusesUnsafeSources(t *testing.T) {
	for _, tc := range []struct{ yaml, msg string }{
		{"sources:\n  - name: ../../x\n    git: https://example.com/x.git\n", "cannot name a folder"},
		{"sources:\n  - name: a/b\n    git: https://example.com/x.git\n", "cannot name a folder"},
		{"sources:\n  - name: x\n    git: 'ext::sh -c touch% /tmp/pwned'\n", "transport"},
		{"sources:\n  - name: x\n    git: fd::17\n", "transport"},
		{"sources:\n  - name: x\n    git: evil://host/x.git\n", "transport"},
	} {
		_, err := Parse("/r/ruledex.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: error %v, want one saying %q", tc.yaml, err, tc.msg)
		}
	}
	for _, ok := range []string{"https://github.com/SigmaHQ/sigma.git", "git@github.com:SigmaHQ/sigma.git", "ssh://git@host/x.git", "/srv/git/x.git", "file:///srv/x.git"} {
		if _, err := Parse("/r/ruledex.yaml", []byte("sources:\n  - name: x\n    git: "+ok+"\n")); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}
