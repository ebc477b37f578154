package web

import (
	"container/list"
	"sync"
	"time"
)

// The server keeps the pages that were slow to make (the ATT&CK matrix,
// the home page, the indexes, broad searches), by URL, so that clients
// asking for them again and again cost a copy and not a rendering. A
// catalog does not change under a server, so a kept page is never stale
// (but for the moments between a build that writes over the catalog in
// place and `serve --db` opening it anew).

// Page cache limits.
const (
	slowPage      = 2 * time.Millisecond // pages that took longer are kept
	maxKeptPage   = 2 << 20              // larger pages are not kept
	pageCacheSize = 32 << 20             // bytes of pages kept, least recently used dropped
)

// pageCache keeps rendered pages by URL, least recently used dropped first.
type pageCache struct {
	mu    sync.Mutex
	max   int // bytes
	size  int
	items map[string]*list.Element
	order *list.List // front: most recent
	hits  int
}

type keptPage struct {
	key  string
	body []byte
}

func newPageCache(max int) *pageCache {
	return &pageCache{max: max, items: map[string]*list.Element{}, order: list.New()}
}

func (c *pageCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	c.hits++
	return e.Value.(*keptPage).body, true
}

// put keeps body (which it owns from now on) as the page of key.
func (c *pageCache) put(key string, body []byte) {
	if len(body) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.size -= len(e.Value.(*keptPage).body)
		c.order.Remove(e)
	}
	c.items[key] = c.order.PushFront(&keptPage{key, body})
	c.size += len(body)
	for c.size > c.max {
		last := c.order.Back()
		p := last.Value.(*keptPage)
		c.order.Remove(last)
		delete(c.items, p.key)
		c.size -= len(p.body)
	}
}

// keptPages keeps every rule page the server makes, by URL, up to a number
// of bytes: a rule page takes a fraction of a millisecond to make, the copy
// far less, and a catalog's rule pages (115 MB for the corpus's 6,600
// rules) fit. When they do not, a page picked at random is dropped to make
// room: unlike dropping the least recently used, which drops every page
// before it is read again when clients read every rule in turn (crawlers,
// the load test), that keeps a share of them.
type keptPages struct {
	mu           sync.Mutex
	max, size    int
	idx          map[string]int // key → index in ents
	ents         []keptEntry
	rnd          uint64
	hits, misses int
}

type keptEntry struct {
	key  string
	body []byte
}

// RulePageCacheBytes bounds the rule pages a server keeps: every page of
// the corpus (10,938 rules, 24 kB a page on average) fits, and their first
// visits cost no render (half of them did at 128 MB).
const RulePageCacheBytes = 320 << 20

func newKeptPages(max int) *keptPages {
	return &keptPages{max: max, idx: map[string]int{}, rnd: 0x9E3779B97F4A7C15}
}

func (c *keptPages) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.idx[key]
	if !ok {
		c.misses++
		return nil, false
	}
	c.hits++
	return c.ents[i].body, true
}

// peek is get without counting a hit or a miss.
func (c *keptPages) peek(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.idx[key]
	if !ok {
		return nil, false
	}
	return c.ents[i].body, true
}

// putIfRoom keeps body as the page of key unless that would drop another
// page (full) or the page is too large to keep.
func (c *keptPages) putIfRoom(key string, body []byte) (kept, full bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.idx[key]; ok || len(body) > c.max/16 {
		return ok, false
	}
	if c.size+len(body) > c.max {
		return false, true
	}
	c.idx[key] = len(c.ents)
	c.ents = append(c.ents, keptEntry{key, body})
	c.size += len(body)
	return true, false
}

// wants tells whether a page of n bytes made now should be kept: always
// while it fits beside the others; once they fill the cache (the
// catalog's pages do not all fit: 10% of them at 15 times the corpus), one
// page in eight, picked at random. Each page kept then drops another, and
// copying it (a page is 25-40 kB of fresh memory) cost a page's making as
// much as making its HTML; with pages read in turn (a crawler, the load
// test), a page kept is dropped before it is read again whatever is kept,
// while a page read often is still kept after a few reads.
func (c *keptPages) wants(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > c.max/16 {
		return false
	}
	if c.size+n <= c.max {
		return true
	}
	return c.next()%8 == 0
}

// next returns the next number of the cache's random sequence (xorshift64).
func (c *keptPages) next() uint64 {
	c.rnd ^= c.rnd << 13
	c.rnd ^= c.rnd >> 7
	c.rnd ^= c.rnd << 17
	return c.rnd
}

// put keeps body (which it owns from now on) as the page of key.
func (c *keptPages) put(key string, body []byte) {
	if len(body) > c.max/16 {
		return // a page that would push out many others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.idx[key]; ok {
		c.size += len(body) - len(c.ents[i].body)
		c.ents[i].body = body
	} else {
		c.idx[key] = len(c.ents)
		c.ents = append(c.ents, keptEntry{key, body})
		c.size += len(body)
	}
	for c.size > c.max {
		c.drop(key)
	}
}

// drop removes a page picked at random, other than keep.
func (c *keptPages) drop(keep string) {
	i := int(c.next() % uint64(len(c.ents)))
	if c.ents[i].key == keep {
		i = (i + 1) % len(c.ents) // keep is not alone: its size is under max
	}
	c.size -= len(c.ents[i].body)
	delete(c.idx, c.ents[i].key)
	last := len(c.ents) - 1
	if i != last {
		c.ents[i] = c.ents[last]
		c.idx[c.ents[i].key] = i
	}
	c.ents[last] = keptEntry{}
	c.ents = c.ents[:last]
}
