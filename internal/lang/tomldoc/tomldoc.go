// Package tomldoc decodes the TOML documents ruledex reads (go-toml v2, a
// TOML 1.0 decoder; https://toml.io/en/v1.0.0) and says where one is
// wrong, the same way for every reader of TOML (package ingest for the
// files no format reads, the front ends that read TOML rules).
package tomldoc

import (
	"errors"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Decode decodes a TOML document into a map: tables as map[string]any,
// arrays as []any, integers as int64, floats as float64, dates and times
// as go-toml's types (Stringers).
func Decode(data []byte) (map[string]any, error) {
	var m map[string]any
	err := toml.Unmarshal(data, &m)
	return m, err
}

// Error returns what the decoder says of err, an error of decoding data,
// and where (line and column from 1, the column in characters as every
// front end counts it: package diag; 1 and 1 when it does not say), with
// the key it names when its message does not ("key name is already
// defined: name").
func Error(data []byte, err error) (msg string, line, col int) {
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return err.Error(), 1, 1
	}
	msg = strings.TrimPrefix(de.Error(), "toml: ")
	if k := strings.Join(de.Key(), "."); k != "" && !strings.Contains(msg, "table "+k+" ") { // ("table rule already exists")
		msg += ": " + k
	}
	line, col = de.Position() // the column in bytes
	return msg, max(line, 1), runeCol(data, line, col)
}

// runeCol returns the column in characters of the byte column col of line
// (both from 1) of data.
func runeCol(data []byte, line, col int) int {
	ix := diag.NewLines(data)
	_, c := ix.Position(ix.Offset(line, 1) + max(col-1, 0))
	return c
}
