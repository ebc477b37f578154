package web

import (
	"bytes"
	"context"
	"runtime"
)

// WarmRulePages makes the rule pages of the catalog and keeps them, in
// turn on one goroutine, until every one is kept, the cache is full or ctx
// is done; it returns the number of pages it kept. A catalog does not
// change under a server, so a server that calls it after it starts answers
// every rule page with a copy once it is done (a few seconds for the
// corpus), its first readers included. Pages asked in the meantime are made
// and kept as usual. When the first pages made say that the catalog's pages
// will not all fit (a tenth of them at 15 times the corpus), it stops
// there: pages of the first rules by id are no likelier to be asked than
// others, and making them would take the processor from the pages asked.
func (s *Server) WarmRulePages(ctx context.Context) (int, error) {
	ids, err := s.cat.RuleIDs(ctx)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	n, made := 0, 0
	const sample = 200 // pages made before judging whether they all fit
	for _, id := range ids {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		key := RulePath(id)
		if _, ok := s.rulePages.peek(key); ok {
			continue
		}
		pg := Page{Path: key, Version: s.cat.Version()}
		name, data, err := s.rulePage(ctx, pg, id)
		if err != nil {
			return n, err
		}
		buf.Reset()
		if err := s.render(&buf, name, data); err != nil {
			return n, err
		}
		kept, full := s.rulePages.putIfRoom(key, bytes.Clone(buf.Bytes()))
		if full {
			return n, nil // the rest is made when asked
		}
		if kept {
			n++
		}
		if made += buf.Len(); n == sample && made/sample*len(ids) > s.rulePages.max {
			return n, nil // they will not all fit: made when asked
		}
		runtime.Gosched() // requests first
	}
	return n, nil
}
