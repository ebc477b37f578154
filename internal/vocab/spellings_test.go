package vocab

import (
	"slices"
	"testing"
)

func TestSpellings(t *testing.T) {
	got := Default().Spellings("process.command_line")
	for _, want := range []string{"process.command_line", "CommandLine", "ProcessCommandLine", "Processes.process", "target.process.command_line"} {
		if !slices.Contains(got, want) {
			t.Errorf("Spellings(process.command_line) lacks %s: %v", want, got)
		}
	}
	if slices.Contains(got, "ParentCommandLine") || slices.Contains(got, "process.name") {
		t.Errorf("Spellings(process.command_line) has another field's spelling: %v", got)
	}
	if got := Default().Spellings("no.such.field"); !slices.Equal(got, []string{"no.such.field"}) {
		t.Errorf("Spellings of an unknown name = %v, want the name alone", got)
	}
}
