package store

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
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
		if f, err := os.Open(exe); err == nil {
			io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
})

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
