package store

import (
	"errors"
	"fmt"
)

// QueryError is a search text that does not parse (a quote left open):
// the user is told, rather than shown "no rule found" for a query that
// was not the one meant. Faces answer it as a bad request (the API's 400).
type QueryError struct {
	Offset int    // byte offset in the text of the problem
	Msg    string // what is wrong, and how to put it right
}

func (e *QueryError) Error() string { return e.Msg }

// IsQueryError tells whether err is (or wraps) a *QueryError.
func IsQueryError(err error) bool {
	var qe *QueryError
	return errors.As(err, &qe)
}

// CheckQuery returns a *QueryError when the search text q does not parse,
// else nil. Search calls it; the faces may call it before anything else.
func CheckQuery(q string) error {
	if _, open := parseQueryOpen(q); open >= 0 {
		return &QueryError{Offset: open, Msg: fmt.Sprintf(
			"unterminated quote at character %d of the search: a \"phrase\" needs its closing quote", open+1)}
	}
	return nil
}
