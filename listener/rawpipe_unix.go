//go:build unix

package listener

import (
	"io"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A rawPipe writes Run's answers to supervisord with a raw write system
// call, skipping the runtime's bookkeeping for a call that may block.
//
// The bookkeeping is not only cost. The writing thread is often preempted
// inside the call: supervisord, woken by the answer, runs first when both
// share a CPU. The runtime's monitor then counts the call as blocked,
// hands the thread's processor to another thread and moves the serving
// goroutine over when the call returns. A write that cannot block needs
// none of that, and an answer to supervisord cannot block: supervisord
// reads a listener's output continuously and sends the next event only
// after reading an answer, so the pipe holds at most one answer and a
// short write always fits. Longer writes, such as a large custom reply,
// and descriptors that are not pipes go through the runtime as usual.
type rawPipe struct {
	*os.File
	fd uintptr
}

// rawWriteMax is the POSIX minimum of PIPE_BUF: a write this short into a
// pipe with room is done whole, at once.
const rawWriteMax = 512

// newRawPipe returns f as a rawPipe when it is a pipe, and f itself
// otherwise.
func newRawPipe(f *os.File) io.Writer {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return f
	}
	return rawPipe{File: f, fd: f.Fd()}
}

func (p rawPipe) Write(b []byte) (int, error) {
	if len(b) == 0 || len(b) > rawWriteMax {
		return p.File.Write(b)
	}
	for {
		n, _, errno := unix.RawSyscall(unix.SYS_WRITE, p.fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if errno == unix.EINTR {
			continue
		}
		if errno == unix.EAGAIN {
			// A non-blocking pipe with no room, which supervisord's is not:
			// the runtime waits for room.
			return p.File.Write(b)
		}
		if errno != 0 {
			return 0, &os.PathError{Op: "write", Path: p.Name(), Err: errno}
		}
		if int(n) < len(b) {
			m, err := p.File.Write(b[n:])
			return int(n) + m, err
		}
		return len(b), nil
	}
}
