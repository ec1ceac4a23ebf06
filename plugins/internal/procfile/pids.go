package procfile

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// ParsePIDs appends the pids of a space-separated list, as
// /proc/<pid>/task/<tid>/children holds them ("12 34 "), to dst.
func ParsePIDs(dst []int, b []byte) ([]int, error) {
	for _, f := range bytes.Fields(b) {
		v, ok := ParseUint(f)
		if !ok || v == 0 {
			return dst, fmt.Errorf("%w: pid %q in a children list", ErrMalformed, f)
		}
		dst = append(dst, int(v))
	}
	return dst, nil
}

// ReadPIDs appends the numeric names in the directory at name under the
// root ("" for the root itself) to dst: the processes of a proc
// filesystem, or the threads of a process (<pid>/task). It parses the
// kernel's directory records itself, since unix.ParseDirent makes a string
// of every name.
func (d *Dir) ReadPIDs(name string, dst []int) ([]int, error) {
	fd := d.fd
	if name != "" {
		var err error
		if fd, err = d.OpenAt(name); err != nil {
			return dst, fmt.Errorf("opening %s: %w", d.Path(name), err)
		}
		defer unix.Close(fd)
	} else if _, err := unix.Seek(fd, 0, 0); err != nil {
		return dst, fmt.Errorf("rewinding %s: %w", d.root, err)
	}
	if d.dirbuf == nil {
		d.dirbuf = make([]byte, 32<<10)
	}
	for {
		n, err := unix.Getdents(fd, d.dirbuf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return dst, fmt.Errorf("reading %s: %w", d.Path(name), err)
		}
		if n == 0 {
			return dst, nil
		}
		dst = appendDirentPIDs(dst, d.dirbuf[:n])
	}
}

// appendDirentPIDs appends the numeric names among the linux_dirent64
// records in b: d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), then
// the NUL-terminated name.
func appendDirentPIDs(dst []int, b []byte) []int {
	const nameOff = 19
	for len(b) >= nameOff {
		reclen := int(b[16]) | int(b[17])<<8
		if reclen < nameOff || reclen > len(b) {
			return dst
		}
		pid, ok := 0, true
		name := b[nameOff:reclen]
		for i, c := range name {
			if c == 0 {
				ok = ok && i > 0
				break
			}
			if c < '0' || c > '9' {
				ok = false
				break
			}
			pid = pid*10 + int(c-'0')
		}
		if ok && pid > 0 {
			dst = append(dst, pid)
		}
		b = b[reclen:]
	}
	return dst
}

// ReadThreadChildren appends to dst the children of process pid whose
// threads are tids (from ReadPIDs of <pid>/task): the kernel lists a child
// under the thread that forked it, in <pid>/task/<tid>/children
// (CONFIG_PROC_CHILDREN). A thread that ended meanwhile is passed over.
// Errors name the file; one of a process that has gone wraps
// unix.ENOENT or unix.ESRCH.
func (d *Dir) ReadThreadChildren(dst []int, pid int, tids []int) ([]int, error) {
	task := strconv.Itoa(pid) + "/task/"
	for _, tid := range tids {
		name := task + strconv.Itoa(tid) + "/children"
		b, err := d.ReadAll(name)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) {
			continue // the thread ended
		}
		if err != nil {
			return dst, err
		}
		if dst, err = ParsePIDs(dst, b); err != nil {
			return dst, fmt.Errorf("%s: %w", d.Path(name), err)
		}
	}
	return dst, nil
}
