//go:build race

package cli

// raceEnabled: the race detector allows at most 8,128 live goroutines.
const raceEnabled = true
