//go:build unix

package listener

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// guardStdio moves the protocol onto private duplicates of descriptors 0
// and 1, then points descriptor 1 at standard error and descriptor 0 at
// /dev/null. The duplicates are close-on-exec, so child processes never see
// the protocol streams.
//
// They stay in blocking mode. Go's poller would let a read be interrupted,
// but costs a listener, which waits on every event, a third more CPU per
// event (measured with `make bench`); Run stops an idle listener without
// interrupting its read instead.
func guardStdio() (in, out *os.File, err error) {
	inFD, err := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, nil, fmt.Errorf("listener: duplicating stdin: %w", err)
	}
	outFD, err := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		unix.Close(inFD)
		return nil, nil, fmt.Errorf("listener: duplicating stdout: %w", err)
	}
	if err := unix.Dup2(2, 1); err != nil {
		unix.Close(inFD)
		unix.Close(outFD)
		return nil, nil, fmt.Errorf("listener: pointing stdout at stderr: %w", err)
	}
	if null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
		unix.Dup2(null, 0)
		unix.Close(null)
	}
	return os.NewFile(uintptr(inFD), "supervisord-events"), os.NewFile(uintptr(outFD), "supervisord-results"), nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	return err == nil
}
