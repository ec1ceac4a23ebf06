package log

import (
	"io"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxPipe is the largest pipe an unprivileged process may ask for
// (/proc/sys/fs/pipe-max-size's default).
const maxPipe = 1 << 20

// makeRoom enlarges the pipe w writes to, if it is one, so that n bytes
// fit in it at once. A Hold's lines are written in one Write so that
// supervisord wakes once for them; a write larger than the pipe (64 KiB:
// memmon's lines for a thousand processes) blocks until supervisord has
// read part of it, and so wakes it twice, before the answer. Failing,
// it changes nothing: the write is only split.
func makeRoom(w io.Writer, n int) {
	f, ok := w.(syscall.Conn)
	if !ok || n <= 64<<10 {
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		size, err := unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0)
		if err != nil || size >= n {
			return // not a pipe, or large enough
		}
		for size < n && size < maxPipe {
			size *= 2
		}
		unix.FcntlInt(fd, unix.F_SETPIPE_SZ, size)
	})
}
