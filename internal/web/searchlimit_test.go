package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// stuckCatalog's text searches run until their context ends (a search
// that would take minutes), or until release is closed; started gets one
// value per search begun.
type stuckCatalog struct {
	Catalog
	started chan struct{}
	release chan struct{}
}

func (c *stuckCatalog) Search(ctx context.Context, q Query) (*Result, error) {
	if q.Text == "" {
		return c.Catalog.Search(ctx, q)
	}
	c.started <- struct{}{}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.release:
		return c.Catalog.Search(ctx, q)
	}
}

func newStuckServer(t *testing.T) (*Server, *stuckCatalog) {
	t.Helper()
	c := &stuckCatalog{Catalog: testCatalog(t), started: make(chan struct{}, 100), release: make(chan struct{})}
	s, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// serveOrHang serves path on s and returns its answer; a search that never
// ends fails the test (after a minute: a bound against a hang, not a measure).
func serveOrHang(t *testing.T, s *Server, path string) *httptest.ResponseRecorder {
	t.Helper()
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		done <- w
	}()
	select {
	case w := <-done:
		return w
	case <-time.After(time.Minute):
		t.Fatalf("%s: no answer: the search has no deadline", path)
		return nil
	}
}

// TestSearchDeadline: a search that runs past its deadline is stopped (its
// context ends) and the page, or the API's JSON, says why.
func TestSearchDeadline(t *testing.T) {
	s, _ := newStuckServer(t)
	s.searchLim.timeout = 50 * time.Millisecond
	w := serveOrHang(t, s, "/search?q=a*+OR+b*")
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("search page: %d, want 503", w.Code)
	}
	if body := w.Body.String(); !strings.Contains(body, "took longer than") || !strings.Contains(body, "was stopped") {
		t.Errorf("search page does not explain the deadline:\n%s", body)
	}
	w = serveOrHang(t, s, "/api/v1/search?q=a*+OR+b*")
	var e struct{ Error string }
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != http.StatusServiceUnavailable ||
		!strings.Contains(e.Error, "took longer than") {
		t.Errorf("API search: %d %q (%v), want 503 with a JSON error on the deadline", w.Code, w.Body.String(), err)
	}
	// The deadline reaches the store: a real search past it is stopped there.
	real := newTestServer(t)
	real.searchLim.timeout = time.Nanosecond
	if w := serveOrHang(t, real, "/search?q=certutil"); w.Code != http.StatusServiceUnavailable ||
		!strings.Contains(w.Body.String(), "took longer than") {
		t.Errorf("a store search past its deadline: %d", w.Code)
	}
	// Listings without text are not held by the stuck searches.
	if w := serveOrHang(t, s, "/rules/"); w.Code != 200 {
		t.Errorf("/rules/: %d", w.Code)
	}
}

// TestSearchConcurrencyBound: with every place for a search taken, one
// more waits briefly, then gets 503 with Retry-After; when the places free,
// searches are answered again.
func TestSearchConcurrencyBound(t *testing.T) {
	s, c := newStuckServer(t)
	s.searchLim.timeout = time.Hour // only release ends these searches
	s.searchLim.queueWait = 10 * time.Millisecond
	n := cap(s.searchLim.sem)
	if n < 1 || n > 1024 {
		t.Fatalf("%d searches at once: want a bound", n)
	}
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/search?q=rule", nil))
			codes <- w.Code
		}()
	}
	for range n {
		select {
		case <-c.started:
		case <-time.After(time.Minute):
			t.Fatal("searches did not start")
		}
	}
	released := false
	defer func() {
		if !released {
			close(c.release)
		}
	}()
	for _, p := range []string{"/search?q=more", "/api/v1/search?q=more"} {
		w := serveOrHang(t, s, p)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s with %d searches running: %d, Retry-After %q; want 503 with Retry-After", p, n, w.Code, w.Header().Get("Retry-After"))
		}
		if !strings.Contains(w.Body.String(), "as many searches as it can") {
			t.Errorf("%s: the answer does not say why:\n%s", p, w.Body.String())
		}
	}
	close(c.release)
	released = true
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 200 {
			t.Errorf("a search that had its place: %d", code)
		}
	}
	if w := serveOrHang(t, s, "/api/v1/search?q=rule"); w.Code != 200 {
		t.Errorf("search after the others ended: %d", w.Code)
	}
}
