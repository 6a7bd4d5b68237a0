package analyzer

import (
	"errors"
	"fmt"
)

// ErrInvalid marks a question the analyzer cannot answer as asked (a bad
// filter, sort key, step or range); the message says which part and why.
var ErrInvalid = errors.New("invalid request")

// ErrNotFound marks a function with no rows in the range.
var ErrNotFound = errors.New("not found")

// invalid wraps a validation message so errors.Is(err, ErrInvalid) holds.
func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}
