package testharness

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/golance/golance/listener/rpc"
)

// logProcess finds the process a log method names.
func (s *Supervisor) logProcess(arg any) (*subprocess, error) {
	name, err := strArg(arg)
	if err != nil {
		return nil, err
	}
	_, p, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, newFault(rpc.ErrBadName, name)
	}
	return p, nil
}

func (p *subprocess) logPath(ch Channel) string {
	l := p.stdoutLog
	if ch == Stderr {
		l = p.stderrLog
	}
	if l == nil {
		return ""
	}
	return l.path
}

func (p *subprocess) clearLogs() error {
	for _, l := range []*logFile{p.stdoutLog, p.stderrLog} {
		if l != nil {
			if err := l.clear(); err != nil {
				return err
			}
		}
	}
	return nil
}

// readLogFile is supervisord's readFile behind readLog and
// readProcess*Log: a negative offset with length 0 reads the last |offset|
// bytes; length 0 reads to the end; other negative values are
// BAD_ARGUMENTS.
func readLogFile(path string, offsetArg, lengthArg any) (any, error) {
	if path == "" {
		return nil, newFault(rpc.ErrNoFile)
	}
	if !fileExists(path) {
		return nil, newFault(rpc.ErrNoFile, path)
	}
	offset, err := intArg(offsetArg)
	if err != nil {
		return nil, faultsAttribute(err)
	}
	length, err := intArg(lengthArg)
	if err != nil {
		return nil, faultsAttribute(err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, newFault(rpc.ErrFailed)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, newFault(rpc.ErrFailed)
	}
	size := st.Size()
	var data []byte
	switch {
	case offset < 0:
		if length != 0 {
			return nil, newFault(rpc.ErrBadArguments)
		}
		pos := max(size+offset, 0)
		n := min(-offset, size-pos)
		data = make([]byte, n)
		_, err = f.ReadAt(data, pos)
	case length < 0:
		return nil, newFault(rpc.ErrBadArguments)
	default:
		end := size
		if length > 0 {
			end = min(size, offset+length)
		}
		if offset >= end {
			return "", nil
		}
		data = make([]byte, end-offset)
		_, err = f.ReadAt(data, offset)
	}
	if err != nil && err != io.EOF {
		return nil, newFault(rpc.ErrFailed)
	}
	if !utf8.Valid(data) {
		// as_string raises, and supervisord answers 500.
		return nil, &pythonError{"UnicodeDecodeError", "'utf-8' codec can't decode the log"}
	}
	return string(data), nil
}

// tailLogFile is supervisord's tailFile: it reads up to length bytes from
// offset, jumping to the end and reporting overflow when the log grew past
// offset+length; the returned offset is always the log's size.
func tailLogFile(path string, offset, length int64) (string, int64, bool) {
	if path == "" {
		return "", 0, false
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", offset, false
	}
	size := st.Size()
	overflow := false
	if size > offset+length {
		overflow = true
		offset = size - 1
	}
	if offset+length > size {
		if offset > size-1 {
			length = 0
		}
		offset = size - length
	}
	offset = max(offset, 0)
	length = max(length, 0)
	if length == 0 {
		return "", size, overflow
	}
	data := make([]byte, length)
	n, _ := f.ReadAt(data, offset)
	// supervisord's as_string would raise on a split character; a tail
	// often cuts one, so the harness substitutes rather than fail.
	return strings.ToValidUTF8(string(data[:n]), "\uFFFD"), size, overflow
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
