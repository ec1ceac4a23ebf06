package procmem

import (
	"bytes"
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
// snapshots: three per process for a tree (statm, the task directory, the
// children list), so those of 2730 processes. Past the bound, files are
// opened and closed at every snapshot, which costs as much again as
// reading them (2048 made a tick over 1000 processes 5 times the cost of
// one over 500).
const DefaultMaxOpenFiles = 8192

// procFile names the per-process files a Reader reads.
type procFile uint8

const (
	fileStat     procFile = iota // parent and resident pages, for a scan
	fileStatm                    // resident pages alone, cheaper to produce
	fileTask                     // the threads' directory, whose links count them
	fileChildren                 // the main thread's children
)

// name returns the file's path under /proc/<pid>/.
func (f procFile) name(pid int) string {
	switch f {
	case fileStatm:
		return "statm"
	case fileTask:
		return "task"
	case fileChildren:
		return "task/" + strconv.Itoa(pid) + "/children"
	}
	return "stat"
}

// fileKey names a kept file, its pid and its procFile, in one word, so
// that the Reader's lookups, several per process a snapshot, take the
// map's fast path for 64-bit keys.
type fileKey uint64

func keyOf(pid int, file procFile) fileKey { return fileKey(uint64(pid)<<2 | uint64(file)) }

func (k fileKey) pid() int       { return int(k >> 2) }
func (k fileKey) file() procFile { return procFile(k & 3) }

// openFile is a /proc file kept open across snapshots: the kernel produces
// fresh contents on every read from offset 0, and an open file keeps naming
// the same process even if its pid is reused, since reads fail with ESRCH
// once the process is gone.
type openFile struct {
	fd  int
	gen uint64 // the last snapshot that read it
	// kids and listed, for a task directory, are its process's children
	// as the snapshot listed read them (listed 0: never).
	kids   []int
	listed uint64
}

// A Reader reads process memory from a proc filesystem.
//
// Opening a file under /proc costs as much as reading it, so a Reader keeps
// the files of the processes it reads open from one snapshot to the next
// (up to DefaultMaxOpenFiles) and closes those a snapshot did not use.
// Close releases them. A file kept open names one process: once it has
// exited, a pid reused by another process opens afresh (see read).
//
// A Reader reuses its buffers, so it is not safe for concurrent use, and a
// Snapshot is valid only until the next call to Snapshot.
type Reader struct {
	fs       procfs.FS
	root     string
	d        *procfile.Dir
	pageSize uint64
	path     []byte
	files    map[fileKey]*openFile
	// used counts the files in files that the current snapshot read:
	// when a snapshot read them all, the next has none to close.
	used     int
	maxFiles int
	gen      uint64
	snap     Snapshot
	// lists reports that the kernel lists each thread's children
	// (CONFIG_PROC_CHILDREN), so that a tree needs only the processes
	// asked about and their descendants, not a scan of every process.
	lists bool
	tids  []int
	pids  []int
	// clock tells a tree snapshot whether any process was created since
	// the previous one (nil without children lists). quietSince is the
	// first snapshot since which none was: the children lists read since
	// are still current, unless a process in them has exited, which its
	// statm shows (see Snapshot.Usage). mark is the clock's last reading.
	clock      *procfile.ForkClock
	mark       procfile.Mark
	primed     bool
	quietSince uint64
	// cachedLists reports that the walk under way used kept lists.
	cachedLists bool
	// quiet is clock.Quiet, or what a test makes it.
	quiet func(prev, now procfile.Mark) bool
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
		files:    make(map[fileKey]*openFile),
		maxFiles: DefaultMaxOpenFiles,
	}
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && lim.Cur/4 < uint64(r.maxFiles) {
		// Leave most descriptors to the rest of the program.
		r.maxFiles = int(lim.Cur / 4)
	}
	self := strconv.Itoa(os.Getpid())
	if _, err := os.Stat(filepath.Join(mountPoint, self, "task", self, "children")); err == nil {
		r.lists = true
		if r.clock, err = procfile.OpenForkClock(d); err != nil {
			d.Close()
			return nil, err
		}
		r.quiet = r.clock.Quiet
	}
	r.snap.r = r
	return r, nil
}

// Close closes the files the Reader keeps open. The Reader must not be used
// afterwards; closing it again does nothing.
func (r *Reader) Close() error {
	for k, f := range r.files {
		r.drop(k, f)
	}
	if r.clock != nil {
		r.clock.Close()
	}
	return r.d.Close()
}

// Snapshot starts a new snapshot. With tree, Usage can add up a process's
// descendants: found from the children lists of the processes asked
// about, or, on a kernel without those lists, by reading every process's
// parent at once. Without, it reads only the processes Usage is asked
// about, when asked. The previous snapshot becomes invalid.
func (r *Reader) Snapshot(tree bool) (*Snapshot, error) {
	r.gen++
	if r.used < len(r.files) {
		r.closeUnused()
	}
	r.used = 0
	if tree && r.clock != nil {
		m, err := r.clock.Read()
		if err != nil || !r.primed || (!r.quiet(r.mark, m) && !r.retireLists(r.mark, m)) {
			r.quietSince = r.gen
		}
		r.mark, r.primed = m, err == nil
	}
	s := &r.snap
	s.reset(tree, tree && !r.lists)
	if !s.scanned {
		return s, nil
	}
	pids, err := r.d.ReadPIDs("", r.pids[:0])
	r.pids = pids[:0]
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	for _, pid := range pids {
		b, err := r.read(pid, fileStat)
		if err != nil {
			// Processes come and go while the directory is read; one
			// that has gone has no memory to count.
			continue
		}
		st, err := procfile.ParseStat(b)
		if err != nil {
			return nil, fmt.Errorf("%s/%d/stat: %w", r.root, pid, err)
		}
		s.stats[pid] = statFields{rssPages: st.RSSPages}
		s.edges = append(s.edges, edge{parent: st.PPID, child: pid})
	}
	s.sortEdges()
	return s, nil
}

// retireLists finds the processes created between the clock's readings
// prev and now, and marks the kept children list of each one's parent as
// stale, to be read again, and reports whether it could: not when more
// were created than the Reader keeps lists of, as reading those lists
// again costs less than looking at every new process. A host forks all
// the time (shells, cron, health checks): without this, any fork anywhere
// made a tree snapshot read every list again, two system calls per
// process, which over 500 processes made half of memmon's tick.
//
// A thread is allocated a pid too, and its stat names its process's
// parent, whose list is read again for nothing: a cost, not an error.
func (r *Reader) retireLists(prev, now procfile.Mark) bool {
	pids, ok := r.clock.Allocated(prev, now, max(len(r.files)/3, 64))
	if !ok {
		return false
	}
	for pid := range pids {
		r.path = append(strconv.AppendInt(r.path[:0], int64(pid), 10), "/stat"...)
		b, err := r.d.ReadSmall(string(r.path))
		if err != nil {
			continue // exited already, or never a process
		}
		st, err := procfile.ParseStat(b)
		if err != nil {
			return false
		}
		if f := r.files[keyOf(st.PPID, fileTask)]; f != nil {
			f.listed = 0
		}
	}
	return true
}

// closeUnused closes the files no snapshot read since the one before the
// current: those of processes that have exited or are no longer asked
// about.
func (r *Reader) closeUnused() {
	for k, f := range r.files {
		if f.gen+1 < r.gen {
			r.drop(k, f)
		}
	}
}

// residentPages returns a process's resident page count from
// /proc/<pid>/statm, and whether it has a memory map: a zombie's statm,
// or that of a process exiting, reads all zeros (size first).
func (r *Reader) residentPages(pid int) (pages uint64, mapped bool, err error) {
	b, err := r.read(pid, fileStatm)
	if err != nil {
		return 0, false, err
	}
	pages, err = procfile.ParseStatm(b)
	return pages, !bytes.HasPrefix(b, []byte("0 ")), err
}

// threads returns the number of a process's threads: the links of its
// /proc/<pid>/task directory, two more than its threads (fstat costs a
// fifth of reading stat, which also counts them). 0 means the process is
// gone.
func (r *Reader) threads(pid int) (int, error) {
	k := keyOf(pid, fileTask)
	f, cached, err := r.open(k)
	if err != nil {
		return 0, err
	}
	var st unix.Stat_t
	err = unix.Fstat(f.fd, &st)
	if err = r.keep(k, f, cached, err); err != nil {
		return 0, err
	}
	return max(int(st.Nlink)-2, 0), nil
}

// appendChildren appends the children of pid to dst. Children belong to
// the thread that forked them: a single-threaded process has one list,
// kept open; the lists of a process with several are read afresh, one per
// thread. With kept, the list read at an earlier snapshot serves, unless
// a process was created since whose parent is pid (retireLists), or too
// many were to tell (quietSince): a process gains a child only by a fork,
// which allocates a pid, and loses one by an exit, which the caller sees
// in the child's statm. This saves two system calls per process, half of
// a tick over 500 processes.
func (r *Reader) appendChildren(dst []int, pid int, kept bool) ([]int, error) {
	k := keyOf(pid, fileTask)
	if f := r.files[k]; kept && f != nil && f.listed != 0 && f.listed >= r.quietSince {
		r.use(f)
		if c := r.files[keyOf(pid, fileChildren)]; c != nil {
			r.use(c)
		}
		r.cachedLists = true
		return append(dst, f.kids...), nil
	}
	start := len(dst)
	dst, err := r.readChildren(dst, pid)
	if f := r.files[k]; err == nil && f != nil {
		f.kids, f.listed = append(f.kids[:0], dst[start:]...), r.gen
	}
	return dst, err
}

// readChildren appends the children of pid to dst, from its lists.
func (r *Reader) readChildren(dst []int, pid int) ([]int, error) {
	threads, err := r.threads(pid)
	switch {
	case err != nil:
		return dst, err
	case threads == 0:
		return dst, fmt.Errorf("process %d: %w", pid, ErrNoProcess)
	case threads == 1:
		b, err := r.read(pid, fileChildren)
		if err != nil {
			return dst, err
		}
		return r.parsePIDs(dst, pid, b)
	}
	task := strconv.Itoa(pid) + "/task"
	tids, err := r.d.ReadPIDs(task, r.tids[:0])
	r.tids = tids[:0]
	if err != nil {
		return dst, r.procError(pid, "task", err)
	}
	dst, err = r.d.ReadThreadChildren(dst, pid, tids)
	if err != nil {
		return dst, r.procError(pid, "task/*/children", err)
	}
	return dst, nil
}

func (r *Reader) parsePIDs(dst []int, pid int, b []byte) ([]int, error) {
	dst, err := procfile.ParsePIDs(dst, b)
	if err != nil {
		return dst, fmt.Errorf("%s/%d/task/*/children: %w", r.root, pid, err)
	}
	return dst, nil
}

// read returns the contents of /proc/<pid>/<file>, valid until the next
// read.
func (r *Reader) read(pid int, file procFile) ([]byte, error) {
	k := keyOf(pid, file)
	f, cached, err := r.open(k)
	if err != nil {
		return nil, err
	}
	var b []byte
	if file == fileChildren {
		b, err = r.d.PreadAll(f.fd)
	} else {
		b, err = r.d.Pread(f.fd)
	}
	if err = r.keep(k, f, cached, err); err != nil {
		return nil, err
	}
	return b, nil
}

// open returns the file k, kept open or opened now (cached false).
//
// A task directory and a children list are used after their process's
// stat or statm in every snapshot, and unlike those they do not fail once
// their process is gone (they show no threads, no children): so when stat
// or statm has to be opened afresh (the process is new to the Reader, or
// its file failed and was closed), the task directory and children list
// kept open for that pid may be a previous process's, and are closed too.
func (r *Reader) open(k fileKey) (*openFile, bool, error) {
	if f, ok := r.files[k]; ok {
		return f, true, nil
	}
	pid, file := k.pid(), k.file()
	if file == fileStat || file == fileStatm {
		r.closeFile(keyOf(pid, fileTask))
		r.closeFile(keyOf(pid, fileChildren))
	}
	r.path = strconv.AppendInt(r.path[:0], int64(pid), 10)
	r.path = append(r.path, '/')
	r.path = append(r.path, file.name(pid)...)
	fd, err := r.d.OpenAt(string(r.path))
	if err != nil {
		return nil, false, r.procError(pid, file.name(pid), err)
	}
	return &openFile{fd: fd}, false, nil
}

// keep keeps the file k open for the next snapshots after a use that
// failed with err (then closed, and err returned as procError wraps it),
// unless it was opened now and the Reader keeps its maximum already.
func (r *Reader) keep(k fileKey, f *openFile, cached bool, err error) error {
	if err != nil || (!cached && len(r.files) >= r.maxFiles) {
		if cached {
			r.drop(k, f)
		} else {
			unix.Close(f.fd)
		}
		if err != nil {
			return r.procError(k.pid(), k.file().name(k.pid()), err)
		}
		return nil
	}
	// Kept by pointer, so that marking a file used, hundreds of times a
	// snapshot, is no map assignment.
	if !cached {
		r.files[k] = f
	}
	r.use(f)
	return nil
}

// use records that the current snapshot read f, a kept file.
func (r *Reader) use(f *openFile) {
	if f.gen != r.gen {
		f.gen = r.gen
		r.used++
	}
}

// drop closes f, kept as k, and forgets it.
func (r *Reader) drop(k fileKey, f *openFile) {
	unix.Close(f.fd)
	delete(r.files, k)
	if f.gen == r.gen {
		r.used--
	}
}

// closeFile closes the file k if the Reader keeps it open.
func (r *Reader) closeFile(k fileKey) {
	if f, ok := r.files[k]; ok {
		r.drop(k, f)
	}
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
