package testharness

import (
	"fmt"
	"time"
)

// logLevel is a supervisord log level, named as its log lines name it.
type logLevel string

const (
	levelCritical logLevel = "CRIT"
	levelError    logLevel = "ERRO"
	levelWarn     logLevel = "WARN"
	levelInfo     logLevel = "INFO"
	levelDebug    logLevel = "DEBG"
)

// logf appends a line to the emulated main log, in supervisord's format
// ("2006-01-02 15:04:05,000 INFO message"). The caller holds s.mu.
func (s *Supervisor) logf(level logLevel, format string, args ...any) {
	if s.mainLog == nil {
		return
	}
	now := s.clock.Now()
	// Lines collect in memory and reach the file at the end of each
	// settle (flushMainLog): one write per burst instead of one per line.
	s.mainLogBuf = fmt.Appendf(s.mainLogBuf, "%s,%03d %s %s\n", now.Format(time.DateTime), now.Nanosecond()/1e6, level, fmt.Sprintf(format, args...))
}

// flushMainLog writes the buffered main log lines. The caller holds s.mu.
func (s *Supervisor) flushMainLog() {
	if len(s.mainLogBuf) > 0 && s.mainLog != nil {
		s.mainLog.write(s.mainLogBuf)
	}
	s.mainLogBuf = s.mainLogBuf[:0]
}
