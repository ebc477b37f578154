package store

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"

	"github.com/ruledex/ruledex/internal/lang"
)

// readerVersion fingerprints the code that turns files into rules: the
// running executable's content and the formats it registers. A stored rule
// is reused only by the same reader, so that a ruledex that reads more (a
// new format, a fixed parser) reads every file again instead of keeping
// what an older one made of it.
var readerVersion = sync.OnceValue(func() string {
	h := sha256.New()
	for _, f := range lang.Formats() {
		io.WriteString(h, f.Name+",")
	}
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
})
