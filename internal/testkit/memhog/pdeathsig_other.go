//go:build !linux

package memhog

import "syscall"

// dieWithParent has no equivalent outside Linux: children are only stopped
// when their parent exits normally.
func dieWithParent() *syscall.SysProcAttr { return nil }
