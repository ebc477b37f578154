//go:build race

package cli

// raceEnabled tells that the tests run under the race detector, where
// SQLite (translated from C to Go) runs tens of times slower.
const raceEnabled = true
