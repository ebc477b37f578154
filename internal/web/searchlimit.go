package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"time"
)

// Searches are bounded: each has a deadline (SearchTimeout), and at most
// maxSearches text searches run at once; one over that waits up to
// searchQueueWait for a place, then gets 503 with Retry-After. A flood of
// costly searches (prefix terms matching most of the catalog) then slows
// no other page, and a search that would run for seconds is stopped
// (the request's context, with the deadline, goes down to SQLite, which is
// interrupted) and explained.
const (
	// SearchTimeout is how long one search may run.
	SearchTimeout = 2 * time.Second
	// searchQueueWait is how long a search waits for a place.
	searchQueueWait = time.Second
)

// maxSearches is the number of text searches run at once: two per core,
// at least four.
func maxSearches() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// searchLimits are a server's; tests change them.
type searchLimits struct {
	timeout, queueWait time.Duration
	sem                chan struct{}
}

func newSearchLimits() searchLimits {
	return searchLimits{timeout: SearchTimeout, queueWait: searchQueueWait, sem: make(chan struct{}, maxSearches())}
}

// errSearchBusy: every place for a search is taken.
var errSearchBusy = &httpError{status: http.StatusServiceUnavailable, retryAfter: 1,
	msg: "the server is running as many searches as it can at once: try again in a moment"}

// searchCat is cat.Search with the server's limits: a text search takes a
// place (or fails with errSearchBusy), and every search runs under the
// deadline; one that passes it fails with a 503 that says so.
func (s *Server) searchCat(ctx context.Context, q Query) (*Result, error) {
	l := &s.searchLim
	if q.Text != "" {
		select {
		case l.sem <- struct{}{}:
		default:
			t := time.NewTimer(l.queueWait)
			select {
			case l.sem <- struct{}{}:
				t.Stop()
			case <-t.C:
				return nil, errSearchBusy
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
		}
		defer func() { <-l.sem }()
	}
	sctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := s.cat.Search(sctx, q)
	if err != nil && ctx.Err() == nil && errors.Is(sctx.Err(), context.DeadlineExceeded) {
		return nil, &httpError{status: http.StatusServiceUnavailable, msg: fmt.Sprintf(
			"this search took longer than %s and was stopped: search for fewer or longer words "+
				"(a short prefix such as a* matches most of the catalog), or narrow it with facets", l.timeout)}
	}
	return res, err
}

// setRetryAfter sets the Retry-After header of an error that has one.
func setRetryAfter(w http.ResponseWriter, err error) {
	var he *httpError
	if errors.As(err, &he) && he.retryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(he.retryAfter))
	}
}
