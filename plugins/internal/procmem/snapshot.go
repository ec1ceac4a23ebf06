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
	r       *Reader
	tree    bool
	stats   map[int]statFields
	edges   []edge // every parent→child link, sorted by parent
	rollups map[int]procfs.ProcSMapsRollup
	stack   []int
}

type edge struct{ parent, child int }

// statFields is what a Snapshot keeps of a process: its parent, for the
// tree, and its resident size. The tree reads /proc/<pid>/stat of every
// process on the machine with procfile.ParseStat, which reads the few
// fields it needs where procfs's ProcStat parses all 52 with fmt.Fscan
// (about 12 µs per process here: over 200 processes, more than a tick's
// whole budget).
type statFields struct {
	ppid     int
	rssPages uint64
}

func (s *Snapshot) reset(tree bool) {
	s.tree = tree
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

// children returns the links from pid to its children.
func (s *Snapshot) children(pid int) []edge {
	lo, _ := slices.BinarySearchFunc(s.edges, pid, func(e edge, p int) int { return e.parent - p })
	hi := lo
	for hi < len(s.edges) && s.edges[hi].parent == pid {
		hi++
	}
	return s.edges[lo:hi]
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
	// Walk the descendants depth first. A snapshot is not atomic: a pid
	// reused while /proc was read could in theory link back to an
	// ancestor, so the walk stops after visiting every known process once.
	s.stack = s.stack[:0]
	for _, e := range s.children(pid) {
		s.stack = append(s.stack, e.child)
	}
	for visits := 0; len(s.stack) > 0 && visits <= len(s.stats); visits++ {
		p := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		n, err := s.own(p, m)
		switch {
		case errors.Is(err, ErrNoProcess):
			continue
		case err != nil:
			return 0, err
		}
		total += n
		for _, e := range s.children(p) {
			s.stack = append(s.stack, e.child)
		}
	}
	return total, nil
}

// own returns one process's memory by metric m.
func (s *Snapshot) own(pid int, m Metric) (uint64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("process %d: %w", pid, ErrNoProcess)
	}
	switch m {
	case RSS:
		if st, ok := s.stats[pid]; ok {
			return st.rssPages * s.r.pageSize, nil
		}
		// Not in the tree (or no tree): statm is cheaper than stat.
		pages, err := s.r.residentPages(pid)
		if err != nil {
			return 0, err
		}
		s.stats[pid] = statFields{ppid: -1, rssPages: pages}
		return pages * s.r.pageSize, nil
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
