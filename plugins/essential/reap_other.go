//go:build !linux

package essential

import "errors"

// errNoProc: without Linux's /proc and subreapers, essential run reaps
// only its own children.
var errNoProc = errors.New("essential run lists leftover processes only on Linux")

func becomeSubreaper() error { return errNoProc }

func children() ([]int, error) { return nil, errNoProc }
