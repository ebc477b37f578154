package build

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// TestSpillReadBack: what the spill is given reads back as given, asked
// for in order, out of order and backwards, records of every size (across
// a chunk's end, larger than a chunk), put from several goroutines.
func TestSpillReadBack(t *testing.T) {
	sp, err := newSpill(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	rnd := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 100, spillBack + 1, spillChunk/2 + 1, spillChunk - 1, spillChunk + 7, 3 * spillChunk}
	for range 400 {
		sizes = append(sizes, rnd.IntN(40_000))
	}
	recs := make([][]byte, len(sizes))
	refs := make([]spillRef, len(sizes))
	for i, n := range sizes {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(rnd.Uint32())
		}
		recs[i] = b
	}
	done := make(chan struct{})
	half := len(recs) / 2
	put := func(from, to int) {
		for i := from; i < to; i++ {
			ref, err := sp.put(recs[i])
			if err != nil {
				t.Error(err)
			}
			refs[i] = ref
		}
		done <- struct{}{}
	}
	go put(0, half)
	go put(half, len(recs))
	<-done
	<-done
	check := func(order []int) {
		t.Helper()
		for _, i := range order {
			b, err := sp.get(refs[i])
			if err != nil || b != string(recs[i]) {
				t.Fatalf("record %d of %d bytes: %v, %d bytes read back, equal %v", i, len(recs[i]), err, len(b), b == string(recs[i]))
			}
		}
	}
	var order []int
	for i := range recs {
		order = append(order, i)
	}
	check(order)
	rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	check(order)
	for i := range order {
		order[i] = len(order) - 1 - i
	}
	check(order)
}

// TestSpilledLinks: links put in the spill after rules were put and read
// back (as a build does: rules while reading, links as the cross-reference
// makes them) read back as given, from two goroutines at once, in any
// order; a rule without links gives nil (not an empty encoding: the
// writer deletes the row of a rule whose links are nil and were not).
func TestSpilledLinks(t *testing.T) {
	sp, err := newSpill(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	rec, err := sp.put([]byte("a rule"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := sp.get(rec); err != nil || b != "a rule" {
		t.Fatalf("rule read back: %q, %v", b, err)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	const n = 3000
	encs := make([][]byte, n)
	for i := range encs {
		if i%3 == 0 {
			continue // no links
		}
		encs[i] = make([]byte, 1+rnd.IntN(3000))
		for j := range encs[i] {
			encs[i][j] = byte(rnd.Uint32())
		}
	}
	l := &spilledLinks{sp: sp, refs: make([]spillRef, n)}
	done := make(chan struct{})
	for half := range 2 {
		go func() {
			for i := half; i < n; i += 2 {
				l.Put(i, encs[i])
			}
			done <- struct{}{}
		}()
	}
	<-done
	<-done
	for _, i := range rnd.Perm(n) {
		b, err := l.Get(i)
		if err != nil || !bytes.Equal(b, encs[i]) || (encs[i] == nil) != (b == nil) {
			t.Fatalf("links of rule %d (%d bytes): %d bytes read back, nil %v, %v", i, len(encs[i]), len(b), b == nil, err)
		}
	}
	if b, err := sp.get(rec); err != nil || b != "a rule" {
		t.Fatalf("rule read back after the links: %q, %v", b, err)
	}
}

// TestSpilledLinksFailedPut: once a put of links fails (here the spill's
// file is gone), every get fails, a rule's without links too: no rule's
// links are read as none.
func TestSpilledLinksFailedPut(t *testing.T) {
	sp, err := newSpill(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	sp.f.Close()
	l := &spilledLinks{sp: sp, refs: make([]spillRef, 3)}
	l.Put(0, nil)
	l.Put(1, make([]byte, spillChunk+1)) // written at once: fails
	for i := range 3 {
		if b, err := l.Get(i); err == nil {
			t.Errorf("links of rule %d: %d bytes, no error", i, len(b))
		}
	}
}
