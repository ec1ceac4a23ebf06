package memhog

import "syscall"

// dieWithParent makes a child get SIGKILL when its parent dies, even if the
// parent is killed before it can stop its children.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
