package web

import (
	"container/list"
	"sync"
	"time"
)

// The server keeps the pages that were slow to make (the ATT&CK matrix,
// the home page, the indexes, broad searches), by URL, so that clients
// asking for them again and again cost a copy and not a rendering. A
// catalog does not change under a server, so a kept page is never stale.

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
