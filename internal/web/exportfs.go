package web

import (
	"path/filepath"
	"sync"
)

// folders makes the folders of an export, each once, its parents first,
// from any number of goroutines.
type folders struct {
	mu   sync.Mutex
	made map[string]*folder
}

type folder struct {
	once sync.Once
	err  error
}

func newFolders(root string) *folders {
	r := &folder{}
	r.once.Do(func() {}) // made by Export
	return &folders{made: map[string]*folder{filepath.Clean(root): r}}
}

// make makes the folder dir (a path under the root) and its parents.
func (f *folders) make(dir string) error {
	f.mu.Lock()
	d, ok := f.made[dir]
	if !ok {
		d = &folder{}
		f.made[dir] = d
	}
	f.mu.Unlock()
	d.once.Do(func() {
		if parent := filepath.Dir(dir); parent != dir {
			if d.err = f.make(parent); d.err != nil {
				return
			}
		}
		d.err = mkdirOne(dir)
	})
	return d.err
}
