package store

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/lang"
)

// readerVersion fingerprints the code that turns files into rules: the
// running executable's content and the formats it registers, and the
// ATT&CK table in use (attack.Default), which names and resolves each
// rule's techniques. A stored rule is reused only by the same reader, so
// that a ruledex that reads more (a new format, a fixed parser, a newer
// ATT&CK release imported) reads every file again instead of keeping what
// an older one made of it.
func readerVersion() string {
	return exeVersion() + "-" + attackVersion(attack.Default())
}

var exeVersion = sync.OnceValue(func() string {
	h := sha256.New()
	for _, f := range lang.Formats() {
		io.WriteString(h, f.Name+",")
	}
	if exe, err := os.Executable(); err == nil {
		if id := goBuildID(exe); id != "" {
			io.WriteString(h, "go build id "+id)
		} else if f, err := os.Open(exe); err == nil {
			io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
})

// goBuildID returns the build ID the go command wrote in the ELF
// executable exe (its note .note.go.buildid), "" when it has none or not
// one the go command made. The go command's ends with a hash of the
// executable's content (cmd/go/internal/work/buildid.go), so it stands
// for the content without hashing the file's 30 MB on every build (25 ms
// of CPU, a tenth of a build that finds nothing changed). A build ID set
// by hand (go build -ldflags=-buildid=..., as Bazel's "redacted") has no
// "/" and is not used.
func goBuildID(exe string) string {
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	d, err := sec.Data()
	if err != nil || len(d) < 16 {
		return ""
	}
	// An ELF note: name size, description size, type (4, the Go build
	// ID), the name "Go" padded to 4 bytes, the description.
	namesz, descsz, typ := f.ByteOrder.Uint32(d), f.ByteOrder.Uint32(d[4:]), f.ByteOrder.Uint32(d[8:])
	if namesz != 4 || typ != 4 || string(d[12:16]) != "Go\x00\x00" || uint64(descsz) > uint64(len(d)-16) {
		return ""
	}
	id := string(d[16 : 16+descsz])
	if parts := strings.Split(id, "/"); len(parts) < 2 || slices.Contains(parts, "") {
		return ""
	}
	return id
}

// attackVersions holds the fingerprint of each table seen.
var attackVersions sync.Map // *attack.Table → string

// attackVersion fingerprints an ATT&CK table: its JSON form's hash.
func attackVersion(t *attack.Table) string {
	if v, ok := attackVersions.Load(t); ok {
		return v.(string)
	}
	h := sha256.New()
	t.WriteJSON(h)
	v := hex.EncodeToString(h.Sum(nil))[:16]
	attackVersions.Store(t, v)
	return v
}
