package store

import (
	"context"
	"slices"
	"testing"
)

// TestTokenizer: texts one after another each give their own terms, also
// after a search stopped while tokenizing.
func TestTokenizer(t *testing.T) {
	tk, err := newTokenizer(context.Background(), `tokenize = 'unicode61'`)
	if err != nil {
		t.Fatal(err)
	}
	defer tk.close()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tk.terms(stopped, "stopped search"); err == nil {
		t.Error("a stopped search's text was tokenized")
	}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Process Creation", []string{"process", "creation"}},
		{"cmd.exe /c whoami", []string{"cmd", "exe", "c", "whoami"}},
		{"Process Creation", []string{"process", "creation"}},
	} {
		got, err := tk.terms(context.Background(), tc.text)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("terms(%q) = %q, %v; want %q", tc.text, got, err, tc.want)
		}
	}
}

// TestTokenizerMadeOnce: a search stopped as the catalog's tokenizer is
// first made does not leave its error to every later search.
func TestTokenizerMadeOnce(t *testing.T) {
	d := builtFixture(t)
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	d.tokenizer(stopped)
	tk, err := d.tokenizer(context.Background())
	if err != nil || tk == nil {
		t.Fatalf("tokenizer after a stopped first search: %v", err)
	}
	if got, err := tk.terms(context.Background(), "Process Creation"); err != nil || !slices.Equal(got, []string{"process", "creation"}) {
		t.Errorf("terms = %q, %v", got, err)
	}
}
