package listener

import (
	"os"
	"sync"
)

// early holds the protocol streams Guard set aside, until Run takes them.
var early struct {
	sync.Mutex
	done     bool
	terminal bool // standard input was a terminal when Guard ran
	in, out  *os.File
	err      error
}

// Guard protects the protocol from stray output from now on, rather than
// from the moment Run starts: it does to standard output and input what Run
// does (a private copy of each for the protocol; descriptor 1 pointed at
// standard error, 0 at /dev/null), and Run then serves on the copies.
//
// Anything a program writes to standard output before supervisord reads
// its first READY (a banner, a log line from a library's setup, a flag
// parser's message) puts the listener in the UNKNOWN state, where it
// receives nothing until restarted. A program that may print anything
// before Run calls Guard first, at the top of main. Only a listener calls
// it: whatever the program prints afterwards, --help included, goes to
// standard error.
//
// Guard does its work once; later calls return the first call's error.
// After Guard, Run guards whatever its options say, and CheckStdin reports
// on the standard input Guard found.
func Guard() error {
	early.Lock()
	defer early.Unlock()
	if !early.done {
		early.done = true
		early.terminal = isTerminal(os.Stdin)
		early.in, early.out, early.err = guardStdio()
	}
	return early.err
}

// guarded returns the streams Guard set aside, and whether it did; Run
// takes them over, and closes them when it returns.
func guarded() (in, out *os.File, ok bool) {
	early.Lock()
	defer early.Unlock()
	in, out = early.in, early.out
	early.in, early.out = nil, nil
	return in, out, in != nil
}

// guardedTerminal reports whether Guard ran and found a terminal on
// standard input.
func guardedTerminal() (terminal, ok bool) {
	early.Lock()
	defer early.Unlock()
	return early.terminal, early.done && early.err == nil
}
