package pyfmt

// An Error is the exception CPython raises for the same input: Type is
// its class ("ValueError", "TypeError", "KeyError", "OverflowError") and
// Msg is str() of it, which for a KeyError is the repr of the key.
type Error struct {
	Type string
	Msg  string
	// Key is the missing name of a KeyError.
	Key string
	// Err is an existing error this one is an instance of, such as
	// strconv.ErrSyntax or strconv.ErrRange for int().
	Err error
}

// Error returns Msg, as Python's str() of the exception.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }
