//go:build !unix

package listener

import (
	"io"
	"os"
)

// guardStdio is a no-op where supervisord does not run.
func guardStdio() (in, out *os.File, err error) { return os.Stdin, os.Stdout, nil }

func isTerminal(*os.File) bool { return false }

func newRawPipe(f *os.File) io.Writer { return f }
