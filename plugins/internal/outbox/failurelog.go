package outbox

import (
	"log/slog"
	"sync"
)

// failureLog logs a failure that repeats once, again only when its text
// changes, and once when it recovers.
// TODO(lead): replace with the shared helper of the log package.
type failureLog struct {
	log *slog.Logger

	mu      sync.Mutex
	last    string
	failing bool
}

// fail logs line unless the failure with the same key was the last one
// logged. key is usually the error's text, line the whole message.
func (f *failureLog) failKey(key, line string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing = true
	if key == f.last {
		return
	}
	f.last = key
	f.log.Warn(line)
}

func (f *failureLog) fail(line string) { f.failKey(line, line) }

// ok logs line if a failure was logged since the last recovery.
func (f *failureLog) ok(line string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.failing {
		return
	}
	f.failing, f.last = false, ""
	f.log.Info(line)
}
