//go:build !(linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64))

package procfile

import "golang.org/x/sys/unix"

// pread is unix.Pread where a 64-bit offset takes two arguments.
func pread(fd int, b []byte, off int64) (int, error) { return unix.Pread(fd, b, off) }
