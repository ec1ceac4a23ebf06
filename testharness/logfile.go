package testharness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// logFile is a child log file (stdout_logfile, stderr_logfile), kept open
// across spawns and read back by the tail and read XML-RPC methods.
type logFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

func openLogFile(path string) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &logFile{path: path, f: f}, nil
}

func (l *logFile) write(data []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		_, _ = l.f.Write(data)
	}
}

// clear truncates the log (clearProcessLogs).
func (l *logFile) clear() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return os.ErrClosed
	}
	return l.f.Truncate(0)
}

func (l *logFile) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}

// openChildLog opens a child's log: setting "" means a file in Dir (like
// AUTO), "NONE" no log at all, anything else that path.
func (s *Supervisor) openChildLog(p *subprocess, ch Channel, setting string) (*logFile, error) {
	path := setting
	switch {
	case strings.EqualFold(setting, "NONE"):
		return nil, nil
	case setting == "" || strings.EqualFold(setting, "AUTO"):
		path = filepath.Join(s.dir, logName(p, ch))
	}
	l, err := openLogFile(path)
	if err != nil {
		return nil, fmt.Errorf("testharness: opening the %s log of %s: %w", ch, p.namespec(), err)
	}
	return l, nil
}

func logName(p *subprocess, ch Channel) string {
	name := p.spec.name
	if p.g.name != p.spec.name {
		name = p.g.name + "_" + p.spec.name
	}
	return name + "-" + string(ch) + ".log"
}
