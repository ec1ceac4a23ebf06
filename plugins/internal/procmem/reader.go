package procmem

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/golance/golance/plugins/internal/procfile"
	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

// ErrNoProcess is wrapped by the error for a process that does not exist
// (any more): it exited between the moment supervisord reported its pid and
// the moment its memory was read.
var ErrNoProcess = errors.New("no such process")

// DefaultMaxOpenFiles bounds the /proc files a Reader keeps open between
// snapshots.
const DefaultMaxOpenFiles = 2048

// procFile names the per-process files a Reader reads.
type procFile uint8

const (
	fileStat  procFile = iota // parent and resident pages, for the tree
	fileStatm                 // resident pages alone, cheaper to produce
)

func (f procFile) String() string {
	if f == fileStatm {
		return "statm"
	}
	return "stat"
}

type fileKey struct {
	pid  int
	file procFile
}

// openFile is a /proc file kept open across snapshots: the kernel produces
// fresh contents on every read from offset 0, and an open file keeps naming
// the same process even if its pid is reused, since reads fail with ESRCH
// once the process is gone.
type openFile struct {
	fd  int
	gen uint64 // the last snapshot that read it
}

// A Reader reads process memory from a proc filesystem.
//
// Opening a file under /proc costs as much as reading it, so a Reader keeps
// the files of the processes it reads open from one snapshot to the next
// (up to DefaultMaxOpenFiles) and closes those a snapshot did not use.
// Close releases them.
//
// A Reader reuses its buffers, so it is not safe for concurrent use, and a
// Snapshot is valid only until the next call to Snapshot.
type Reader struct {
	fs       procfs.FS
	root     string
	d        *procfile.Dir
	pageSize uint64
	path     []byte
	files    map[fileKey]openFile
	maxFiles int
	gen      uint64
	snap     Snapshot
}

// NewReader returns a Reader for the proc filesystem mounted at mountPoint,
// "" meaning /proc.
func NewReader(mountPoint string) (*Reader, error) {
	if mountPoint == "" {
		mountPoint = procfs.DefaultMountPoint
	}
	fs, err := procfs.NewFS(mountPoint)
	if err != nil {
		return nil, fmt.Errorf("cannot use %s to read process memory (memmon needs Linux's proc filesystem): %w", mountPoint, err)
	}
	if _, err := os.Stat(filepath.Join(mountPoint, "self", "statm")); err != nil {
		return nil, fmt.Errorf("%s is not a Linux proc filesystem (memmon needs one to read process memory): %w", mountPoint, err)
	}
	d, err := procfile.OpenDir(mountPoint)
	if err != nil {
		return nil, err
	}
	r := &Reader{
		fs:       fs,
		root:     mountPoint,
		d:        d,
		pageSize: uint64(os.Getpagesize()),
		files:    make(map[fileKey]openFile),
		maxFiles: DefaultMaxOpenFiles,
	}
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && lim.Cur/4 < uint64(r.maxFiles) {
		// Leave most descriptors to the rest of the program.
		r.maxFiles = int(lim.Cur / 4)
	}
	r.snap.r = r
	return r, nil
}

// Close closes the files the Reader keeps open. The Reader must not be used
// afterwards; closing it again does nothing.
func (r *Reader) Close() error {
	for k, f := range r.files {
		unix.Close(f.fd)
		delete(r.files, k)
	}
	return r.d.Close()
}

// Snapshot starts a new snapshot. With tree, it reads every process's parent
// and resident size at once, so that Usage can add up descendants;
// without, it reads only the processes Usage is asked about, when asked.
// The previous snapshot becomes invalid.
func (r *Reader) Snapshot(tree bool) (*Snapshot, error) {
	r.gen++
	r.closeUnused()
	s := &r.snap
	s.reset(tree)
	if !tree {
		return s, nil
	}
	procs, err := r.fs.AllProcs()
	if err != nil {
		return nil, fmt.Errorf("listing processes in %s: %w", r.root, err)
	}
	for _, p := range procs {
		b, err := r.read(p.PID, fileStat)
		if err != nil {
			// Processes come and go while the directory is read; one
			// that has gone has no memory to count.
			continue
		}
		st, err := procfile.ParseStat(b)
		if err != nil {
			return nil, fmt.Errorf("%s/%d/stat: %w", r.root, p.PID, err)
		}
		s.stats[p.PID] = statFields{ppid: st.PPID, rssPages: st.RSSPages}
		s.edges = append(s.edges, edge{parent: st.PPID, child: p.PID})
	}
	s.sortEdges()
	return s, nil
}

// closeUnused closes the files no snapshot read since the one before the
// current: those of processes that have exited or are no longer asked
// about.
func (r *Reader) closeUnused() {
	for k, f := range r.files {
		if f.gen+1 < r.gen {
			unix.Close(f.fd)
			delete(r.files, k)
		}
	}
}

// residentPages returns a process's resident page count from
// /proc/<pid>/statm.
func (r *Reader) residentPages(pid int) (uint64, error) {
	b, err := r.read(pid, fileStatm)
	if err != nil {
		return 0, err
	}
	return procfile.ParseStatm(b)
}

// read returns the contents of /proc/<pid>/<file>, valid until the next
// read.
func (r *Reader) read(pid int, file procFile) ([]byte, error) {
	k := fileKey{pid, file}
	f, cached := r.files[k]
	if !cached {
		r.path = strconv.AppendInt(r.path[:0], int64(pid), 10)
		r.path = append(r.path, '/')
		r.path = append(r.path, file.String()...)
		fd, err := r.d.OpenAt(string(r.path))
		if err != nil {
			return nil, r.procError(pid, file.String(), err)
		}
		f = openFile{fd: fd}
	}
	b, err := r.d.Pread(f.fd)
	if err != nil || (!cached && len(r.files) >= r.maxFiles) {
		unix.Close(f.fd)
		delete(r.files, k)
		if err != nil {
			return nil, r.procError(pid, file.String(), err)
		}
		return b, nil
	}
	f.gen = r.gen
	r.files[k] = f
	return b, nil
}

// procError wraps an error reading /proc/<pid>/<file>, mapping the ways a
// vanished process shows up to ErrNoProcess.
func (r *Reader) procError(pid int, file string, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("process %d: %w", pid, ErrNoProcess)
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("reading %s/%d/%s: %w (run memmon as root or as the processes' user)", r.root, pid, file, err)
	}
	return fmt.Errorf("reading %s/%d/%s: %w", r.root, pid, file, err)
}

// rollup reads /proc/<pid>/smaps_rollup through procfs.
func (r *Reader) rollup(pid int) (procfs.ProcSMapsRollup, error) {
	p, err := r.fs.Proc(pid)
	if err != nil {
		return procfs.ProcSMapsRollup{}, r.procError(pid, "smaps_rollup", err)
	}
	ru, err := p.ProcSMapsRollup()
	if err != nil {
		return procfs.ProcSMapsRollup{}, r.procError(pid, "smaps_rollup", err)
	}
	return ru, nil
}
