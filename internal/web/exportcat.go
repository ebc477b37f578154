package web

import (
	"context"
	"strconv"
	"strings"
	"sync"
)

// exportStore is the catalog an export of a store reads: the store's, but
// that the facet counts of a listing are counted once for all its pages.
// A listing's facets are those of every rule it lists, the same on each of
// its pages, and counting them is most of a page's cost at scale (164,000
// rules, 3,280 pages of the browse alone, each counting every facet of
// every rule). Every other method is the StoreCatalog's.
type exportStore struct {
	*StoreCatalog
	mu    sync.Mutex
	memo  map[string]*listingFacets
	order []string // keys of memo, oldest first
}

// exportFacetMemo is how many listings' facet counts an export keeps: the
// export makes a listing's pages one after the other, so a few suffice.
const exportFacetMemo = 64

// listingFacets are the facet counts of one listing, counted once.
type listingFacets struct {
	once   sync.Once
	facets map[string][]FacetCount
	err    error
}

func newExportStore(c *StoreCatalog) *exportStore {
	return &exportStore{StoreCatalog: c, memo: map[string]*listingFacets{}}
}

// Search implements Catalog: the hits of q's page, with the facet counts
// of its listing counted once.
func (e *exportStore) Search(ctx context.Context, q Query) (*Result, error) {
	lf := e.facetsOf(q)
	lf.once.Do(func() {
		first := q
		first.Page = 1
		res, err := e.StoreCatalog.Search(ctx, first)
		if err != nil {
			lf.err = err
			return
		}
		lf.facets = res.Facets
	})
	if lf.err != nil {
		return nil, lf.err
	}
	res, err := e.StoreCatalog.search(ctx, q, []string{})
	if err != nil {
		return nil, err
	}
	res.Facets = lf.facets
	return res, nil
}

// total returns the number of rules q finds, counting no facet.
func (e *exportStore) total(ctx context.Context, q Query) (int, error) {
	q.PerPage = 1
	res, err := e.StoreCatalog.search(ctx, q, []string{})
	if err != nil {
		return 0, err
	}
	return res.Total, nil
}

// facetsOf returns the memo of the listing of q (q but its page and its
// page's length).
func (e *exportStore) facetsOf(q Query) *listingFacets {
	q = q.Norm()
	var k strings.Builder
	k.WriteString(q.Text)
	k.WriteString("\x00" + strconv.FormatBool(q.Browse) + "\x00" + q.Sort)
	for _, f := range q.Facets {
		k.WriteString("\x00" + f.Key + "=" + f.Value)
	}
	key := k.String()
	e.mu.Lock()
	defer e.mu.Unlock()
	lf := e.memo[key]
	if lf == nil {
		lf = &listingFacets{}
		e.memo[key] = lf
		e.order = append(e.order, key)
		if len(e.order) > exportFacetMemo {
			delete(e.memo, e.order[0])
			e.order = e.order[1:]
		}
	}
	return lf
}
