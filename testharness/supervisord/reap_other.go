//go:build !linux

package supervisord

import "syscall"

// Outside Linux there is neither a child subreaper nor /proc: teardown
// relies on supervisord stopping its own processes.

func enableSubreaper() {}

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func descendants(root int) map[int]uint64 { return nil }

func sweep(root int, tracked map[int]uint64, marker string) (int, error) { return 0, nil }
