package testharness

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/golance/golance/listener/rpc"
)

// The supervisor namespace's process logging methods.

// readProcessStdoutLog is supervisor.readProcessStdoutLog(name, offset,
// length) (and readProcessLog).
func (r supervisorRPC) readProcessStdoutLog(args []any) (any, deferred, error) {
	v, err := r.readProcessLog(Stdout, args)
	return v, nil, err
}

// readProcessStderrLog is supervisor.readProcessStderrLog(name, offset,
// length).
func (r supervisorRPC) readProcessStderrLog(args []any) (any, deferred, error) {
	v, err := r.readProcessLog(Stderr, args)
	return v, nil, err
}

func (r supervisorRPC) readProcessLog(ch Channel, args []any) (any, error) {
	if err := r.update(); err != nil {
		return nil, err
	}
	p, _, err := r.processArg(args[0])
	if err != nil {
		return nil, err
	}
	return readLogFile(p.logPath(ch), args[1], args[2])
}

// tailProcessStdoutLog is supervisor.tailProcessStdoutLog(name, offset,
// length) (and tailProcessLog).
func (r supervisorRPC) tailProcessStdoutLog(args []any) (any, deferred, error) {
	v, err := r.tailProcessLog(Stdout, args)
	return v, nil, err
}

// tailProcessStderrLog is supervisor.tailProcessStderrLog(name, offset,
// length).
func (r supervisorRPC) tailProcessStderrLog(args []any) (any, deferred, error) {
	v, err := r.tailProcessLog(Stderr, args)
	return v, nil, err
}

// tailProcessLog answers [bytes, next offset, overflow]. A process with no
// log, or whose log is gone, answers an empty tail before the offsets are
// even read, as supervisord does.
func (r supervisorRPC) tailProcessLog(ch Channel, args []any) (any, error) {
	if err := r.update(); err != nil {
		return nil, err
	}
	p, _, err := r.processArg(args[0])
	if err != nil {
		return nil, err
	}
	path := p.logPath(ch)
	if path == "" || !fileExists(path) {
		return []any{"", 0, false}, nil
	}
	offset, err := intArg(args[1])
	if err != nil {
		return nil, err
	}
	length, err := intArg(args[2])
	if err != nil {
		return nil, err
	}
	data, next, overflow := tailLogFile(path, offset, length)
	return []any{data, next, overflow}, nil
}

// clearProcessLogs is supervisor.clearProcessLogs(name) (and
// clearProcessLog).
func (r supervisorRPC) clearProcessLogs(args []any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	p, name, err := r.processArg(args[0])
	if err != nil {
		return nil, nil, err
	}
	if err := p.clearLogs(); err != nil {
		return nil, nil, newFault(rpc.ErrFailed, name)
	}
	return true, nil, nil
}

// clearAllProcessLogs is supervisor.clearAllProcessLogs.
func (r supervisorRPC) clearAllProcessLogs([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	out := []rpc.ProcessStatus{}
	for _, p := range r.allProcesses(false) {
		st := okStatus(p)
		if err := p.clearLogs(); err != nil {
			st = faultResult(p, newFault(rpc.ErrFailed, p.namespec()))
		}
		out = append(out, st)
	}
	return out, nil, nil
}

// logPath is the path of p's log of channel ch, "" when it has none.
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

// clearLogs truncates p's logs.
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
