package testharness

import (
	"fmt"
	"syscall"
)

// exitStatus is how a process ended.
type exitStatus struct {
	code   int            // exit code when signal == 0
	signal syscall.Signal // terminating signal, 0 if it exited
}

// decode is supervisord's decode_wait_status: the exit status (-1 for a
// signal) and the message it logs.
func (st exitStatus) decode() (int, string) {
	if st.signal != 0 {
		return -1, "terminated by " + signalName(st.signal)
	}
	return st.code, fmt.Sprintf("exit status %d", st.code)
}
