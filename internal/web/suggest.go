package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// A rule page or API answer for an id no rule has says which rules a typo
// may have meant (store.Suggest: ids and the sources' own identifiers,
// such as a Sigma rule's UUID, within a few edits).

// Suggestion is a rule a mistyped id may have meant.
type Suggestion struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	By    string `json:"by"` // "id", or "uid": the source's own identifier (a Sigma rule's UUID)
}

// suggester is a catalog that can name the rules a mistyped id may mean.
type suggester interface {
	Suggest(ctx context.Context, name string, n int) ([]Suggestion, error)
}

// Suggest implements suggester.
func (c *StoreCatalog) Suggest(ctx context.Context, name string, n int) ([]Suggestion, error) {
	ss, err := c.db.Suggest(ctx, name, n)
	if err != nil {
		return nil, err
	}
	out := make([]Suggestion, len(ss))
	for i, s := range ss {
		out[i] = Suggestion{ID: s.ID, Title: s.Title, By: s.By}
	}
	return out, nil
}

// maxSuggestions is how many rules a 404 names.
const maxSuggestions = 5

// notFoundError is a 404 for a rule id, with the rules it may have meant.
type notFoundError struct {
	httpError
	Suggestions []Suggestion
}

func (e *notFoundError) Unwrap() error { return &e.httpError }

// suggestRule turns err, a 404 for rule id, into one that names the rules
// id may have meant; other errors, and a catalog that cannot suggest, are
// returned as they are.
func (s *Server) suggestRule(ctx context.Context, id string, err error) error {
	status, msg := statusOf(err)
	if status != http.StatusNotFound {
		return err
	}
	sg, ok := s.cat.(suggester)
	if !ok {
		return err
	}
	id = strings.TrimSuffix(strings.TrimSuffix(id, "/"), ".json")
	if dec, ok := UnIDPath(id); ok {
		id = dec
	}
	ss, serr := sg.Suggest(ctx, id, maxSuggestions)
	if serr != nil || len(ss) == 0 {
		return err
	}
	return &notFoundError{httpError: httpError{status: status, msg: msg + "; did you mean one of these rules?"}, Suggestions: ss}
}

// suggestionsOf returns the suggestions err carries.
func suggestionsOf(err error) []Suggestion {
	var nf *notFoundError
	if errors.As(err, &nf) {
		return nf.Suggestions
	}
	return nil
}

// withRuleSuggestions makes a rule page's 404 name the rules meant.
func (s *Server) withRuleSuggestions(f pageFunc) pageFunc {
	return func(ctx context.Context, pg Page, r *http.Request) (string, any, error) {
		name, data, err := f(ctx, pg, r)
		if err != nil {
			err = s.suggestRule(ctx, r.PathValue("id"), err)
		}
		return name, data, err
	}
}
