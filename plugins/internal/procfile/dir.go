package procfile

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// DefaultRoot is where the proc filesystem is mounted.
const DefaultRoot = "/proc"

// Dir is a proc filesystem, opened once so that its files open relative
// to it (openat) without a path built per file. Its reads share one
// buffer: a Dir is not safe for concurrent use, and what a read returns is
// valid until the next read.
//
// The errors of OpenAt and the reads are the system's (unix.ENOENT,
// unix.ESRCH for a process that is gone...), unwrapped: the caller names
// the file.
type Dir struct {
	root   string
	fd     int
	buf    []byte
	dirbuf []byte // for ReadPIDs
}

// OpenDir opens the proc filesystem mounted at root; "" means DefaultRoot.
func OpenDir(root string) (*Dir, error) {
	if root == "" {
		root = DefaultRoot
	}
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", root, err)
	}
	return &Dir{root: root, fd: fd, buf: make([]byte, 4096)}, nil
}

// Root returns where the proc filesystem is mounted.
func (d *Dir) Root() string { return d.root }

// FD returns the directory's own descriptor, for listing it.
func (d *Dir) FD() int { return d.fd }

// Path returns the path of the file at name under the root, for messages.
func (d *Dir) Path(name string) string { return filepath.Join(d.root, name) }

// Close closes the directory; closing it again does nothing.
func (d *Dir) Close() error {
	if d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// OpenAt opens the file at name under the root for reading, to be read
// again and again with Pread: the kernel produces fresh contents at every
// read from offset 0, and an open /proc/<pid> file keeps naming the same
// process after its pid is reused, failing with ESRCH once it is gone.
func (d *Dir) OpenAt(name string) (int, error) {
	for {
		fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// Pread reads a whole file produced in one piece (stat, statm, loadavg,
// /proc/stat: the kernel writes the whole text before handing out the
// first byte) from offset 0, in one read when the buffer is large enough.
func (d *Dir) Pread(fd int) ([]byte, error) {
	for {
		n, err := pread(fd, d.buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n < len(d.buf) {
			return d.buf[:n], nil
		}
		// Possibly cut short: read again with room to spare.
		d.buf = make([]byte, 2*len(d.buf))
	}
}

// PreadAll reads a file kept open from offset 0 to its end, for a list
// handed out a page per read (task/<tid>/children) that must read afresh
// each time: the kernel starts such a list again at a read from offset 0.
func (d *Dir) PreadAll(fd int) ([]byte, error) {
	n := 0
	for {
		if n == len(d.buf) {
			d.buf = append(d.buf, make([]byte, len(d.buf))...)
		}
		k, err := pread(fd, d.buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if k == 0 {
			return d.buf[:n], nil
		}
		n += k
	}
}

// ReadSmall reads the whole file at name, produced in one piece as Pread
// needs.
func (d *Dir) ReadSmall(name string) ([]byte, error) {
	fd, err := d.OpenAt(name)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return d.Pread(fd)
}

// ReadAll reads the file at name to its end. A list such as
// /proc/<pid>/task/<tid>/children hands out at most a page per read: one
// read would lose the entries past the first seven hundred or so.
func (d *Dir) ReadAll(name string) ([]byte, error) {
	fd, err := d.OpenAt(name)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	n := 0
	for {
		if n == len(d.buf) {
			d.buf = append(d.buf, make([]byte, len(d.buf))...)
		}
		k, err := unix.Read(fd, d.buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if k == 0 {
			return d.buf[:n], nil
		}
		n += k
	}
}
