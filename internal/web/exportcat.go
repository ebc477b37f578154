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
	// other: a table's fields and a repository's summary, which every page
	// of its listing shows, by kind and name.
	other      map[string]*memoValue
	otherOrder []string
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

// TableFields implements Catalog, once a table: every page of a table's
// listing shows its fields.
func (e *exportStore) TableFields(ctx context.Context, table string) ([]FieldCount, error) {
	v, err := e.once("table\x00"+table, func() (any, error) { return e.StoreCatalog.TableFields(ctx, table) })
	fs, _ := v.([]FieldCount)
	return fs, err
}

// Repo implements Catalog, once a repository: every page of its listing
// shows it.
func (e *exportStore) Repo(ctx context.Context, name string) (*RepoInfo, error) {
	v, err := e.once("repo\x00"+name, func() (any, error) { return e.StoreCatalog.Repo(ctx, name) })
	info, _ := v.(*RepoInfo)
	return info, err
}

// once returns what f returns, called once for key while the key is among
// the last exportFacetMemo kept.
func (e *exportStore) once(key string, f func() (any, error)) (any, error) {
	e.mu.Lock()
	m := e.other[key]
	if m == nil {
		m = &memoValue{}
		if e.other == nil {
			e.other = map[string]*memoValue{}
		}
		e.other[key] = m
		e.otherOrder = append(e.otherOrder, key)
		if len(e.otherOrder) > exportFacetMemo {
			delete(e.other, e.otherOrder[0])
			e.otherOrder = e.otherOrder[1:]
		}
	}
	e.mu.Unlock()
	m.once.Do(func() { m.v, m.err = f() })
	return m.v, m.err
}

// memoValue is a value made once.
type memoValue struct {
	once sync.Once
	v    any
	err  error
}
