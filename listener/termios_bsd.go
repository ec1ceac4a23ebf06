//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package listener

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TIOCGETA
