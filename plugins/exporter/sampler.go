package exporter

import (
	"context"
	"fmt"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/prometheus/procfs"
)

// sampler reads the resident memory, CPU time and start time of every
// process with a pid from /proc, at an interval, into the state. Scrapes
// serve the last sample: their cost does not grow with what /proc costs,
// and two Prometheus servers scraping the same host read /proc no more
// often than one.
type sampler struct {
	fs       procfs.FS
	bootTime float64 // seconds since the Unix epoch
	st       *state
	every    time.Duration
	clock    clock.Clock
}

// userHZ is the unit of the times in /proc/<pid>/stat (USER_HZ, 100 on
// every Linux that procfs supports).
const userHZ = 100

func newSampler(mount string, st *state, every time.Duration, clk clock.Clock) (*sampler, error) {
	fs, err := procfs.NewFS(mount)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s for processes' memory and CPU: %w", mount, err)
	}
	stat, err := fs.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the boot time from %s/stat: %w", mount, err)
	}
	return &sampler{fs: fs, bootTime: float64(stat.BootTime), st: st, every: every, clock: clock.Or(clk)}, nil
}

// read returns what /proc says of pid, and false when it has no such pid.
func (s *sampler) read(pid int) (reading, bool) {
	p, err := s.fs.Proc(pid)
	if err != nil {
		return reading{}, false
	}
	st, err := p.Stat()
	if err != nil {
		return reading{}, false
	}
	return reading{
		rss:   uint64(st.ResidentMemory()),
		cpu:   st.CPUTime(),
		start: s.bootTime + float64(st.Starttime)/userHZ,
	}, true
}

// once takes one sample.
func (s *sampler) once() { s.st.sample(s.clock.Now(), s.read) }

// run samples at once and then every interval until ctx ends.
func (s *sampler) run(ctx context.Context) {
	for {
		s.once()
		if clock.Sleep(ctx, s.clock, s.every) != nil {
			return
		}
	}
}
