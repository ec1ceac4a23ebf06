package procmem

import (
	"errors"
	"fmt"
	"slices"

	"github.com/prometheus/procfs"
)

// A Snapshot answers memory questions about processes as of one moment,
// reading each process's /proc files at most once. Get one from
// Reader.Snapshot.
type Snapshot struct {
	r    *Reader
	tree bool // Usage may be cumulative
	// scanned reports that the tree came from every process's stat, read
	// up front into stats and edges, rather than from children lists
	// read as Usage walks them.
	scanned bool
	stats   map[int]statFields
	edges   []edge // every parent→child link, sorted by parent, when scanned
	rollups map[int]procfs.ProcSMapsRollup
	stack   []int
	walk    uint32 // the current cumulative Usage
	// fresh makes the walk read every children list anew.
	fresh bool
}

type edge struct{ parent, child int }

// statFields is what a Snapshot keeps of a process: its resident size and
// the last walk that counted it. stat and statm are read with
// procfile.ParseStat and ParseStatm, which read the few fields they need
// where procfs's ProcStat parses all 52 with fmt.Fscan (about 12 µs per
// process here: over 200 processes, more than a tick's whole budget).
type statFields struct {
	rssPages uint64
	walk     uint32
	// unmapped: the process has no memory map, a zombie or exiting, whose
	// children have gone to another parent already.
	unmapped bool
}

func (s *Snapshot) reset(tree, scanned bool) {
	s.tree, s.scanned = tree, scanned
	if s.stats == nil {
		s.stats = make(map[int]statFields)
		s.rollups = make(map[int]procfs.ProcSMapsRollup)
	}
	clear(s.stats)
	clear(s.rollups)
	s.edges = s.edges[:0]
}

func (s *Snapshot) sortEdges() {
	slices.SortFunc(s.edges, func(a, b edge) int { return a.parent - b.parent })
}

// appendChildren appends the children of pid to dst.
func (s *Snapshot) appendChildren(dst []int, pid int) ([]int, error) {
	if !s.scanned {
		// statm first, even for PSS: it fails once the process is gone,
		// and opening it afresh retires the task directory and children
		// list of an earlier process with that pid (see Reader.open).
		f, err := s.fields(pid)
		if err != nil {
			return dst, err
		}
		return s.r.appendChildren(dst, pid, !s.fresh && !f.unmapped)
	}
	lo, _ := slices.BinarySearchFunc(s.edges, pid, func(e edge, p int) int { return e.parent - p })
	for hi := lo; hi < len(s.edges) && s.edges[hi].parent == pid; hi++ {
		dst = append(dst, s.edges[hi].child)
	}
	return dst, nil
}

// Usage returns the memory of process pid in bytes by metric m; with
// cumulative, the sum over pid and all its descendants. A cumulative Usage
// needs a snapshot taken with tree. The error wraps ErrNoProcess when pid
// does not exist; descendants that exit meanwhile simply count as nothing.
func (s *Snapshot) Usage(pid int, m Metric, cumulative bool) (uint64, error) {
	if cumulative && !s.tree {
		return 0, errors.New("procmem: cumulative usage needs a snapshot taken with tree")
	}
	total, err := s.own(pid, m)
	if err != nil || !cumulative {
		return total, err
	}
	self := total
	s.fresh = false
walk:
	// Walk the descendants depth first. A snapshot is not atomic: a pid
	// reused while /proc was read could in theory link back to an
	// ancestor, so the walk counts each process once.
	total = self
	s.walk++
	s.r.cachedLists = false
	if s.stack, err = s.appendChildren(s.stack[:0], pid); err != nil {
		return 0, err
	}
	s.counted(pid)
	for len(s.stack) > 0 {
		p := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		if f, ok := s.stats[p]; ok && f.walk == s.walk {
			continue
		}
		n, err := s.own(p, m)
		if err == nil {
			s.stack, err = s.appendChildren(s.stack, p)
		}
		kept := s.r.cachedLists && !s.fresh
		// A zombie not yet reaped has exited too: its statm reads as
		// unmapped, and its children have gone already. Looked up only
		// when kept lists are in use, the one case it changes.
		exited := errors.Is(err, ErrNoProcess) || (err == nil && kept && s.stats[p].unmapped)
		switch {
		case exited && kept:
			// A process of kept lists has exited: its children went
			// to another parent, perhaps one in this tree (a
			// subreaper), so the lists are read anew, now and at the
			// next snapshots, until one lists them again.
			s.r.quietSince = s.r.gen + 1
			s.fresh = true
			goto walk
		case errors.Is(err, ErrNoProcess):
			continue
		case err != nil:
			return 0, err
		}
		s.counted(p)
		total += n
	}
	return total, nil
}

// counted marks pid as counted by the current walk.
func (s *Snapshot) counted(pid int) {
	if f, ok := s.stats[pid]; ok {
		f.walk = s.walk
		s.stats[pid] = f
	}
}

// fields returns what the snapshot knows of pid, read once: from statm,
// unless a scan read its stat.
func (s *Snapshot) fields(pid int) (statFields, error) {
	if f, ok := s.stats[pid]; ok {
		return f, nil
	}
	pages, mapped, err := s.r.residentPages(pid)
	f := statFields{rssPages: pages, unmapped: !mapped}
	if err != nil {
		return statFields{}, err
	}
	s.stats[pid] = f
	return f, nil
}

// own returns one process's memory by metric m.
func (s *Snapshot) own(pid int, m Metric) (uint64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("process %d: %w", pid, ErrNoProcess)
	}
	switch m {
	case RSS:
		f, err := s.fields(pid)
		if err != nil {
			return 0, err
		}
		return f.rssPages * s.r.pageSize, nil
	case PSS, USS:
		ru, ok := s.rollups[pid]
		if !ok {
			var err error
			if ru, err = s.r.rollup(pid); err != nil {
				return 0, err
			}
			s.rollups[pid] = ru
		}
		if m == PSS {
			return ru.Pss, nil
		}
		return ru.PrivateClean + ru.PrivateDirty, nil
	}
	return 0, fmt.Errorf("procmem: unknown metric %v", m)
}
