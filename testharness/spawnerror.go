package testharness

type spawnErrorKind int

const (
	errNotFound spawnErrorKind = iota
	errNotExecutable
	errNoPermission
)

type spawnError struct {
	kind spawnErrorKind
	msg  string
}

func (e *spawnError) Error() string { return e.msg }
