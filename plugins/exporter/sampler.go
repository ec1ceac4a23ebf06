package exporter

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/procfile"
)

// sampler reads the resident memory, CPU time and start time of every
// process with a pid from /proc, at an interval, into the state. Scrapes
// serve the last sample: their cost does not grow with what /proc costs,
// and two Prometheus servers scraping the same host read /proc no more
// often than one.
//
// It reads through procfile, which parses the few fields it needs where
// they lie, not prometheus/procfs: an idle exporter does little but
// sample, and every sample through procfs ran its parser of all 52
// fields (fmt's scanning) and allocated, keeping those pages of code and
// heap resident between the runtime's trims.
type sampler struct {
	d        *procfile.Dir // read by run's goroutine alone: its reads share a buffer
	bootTime float64       // seconds since the Unix epoch
	pageSize uint64
	st       *state
	every    time.Duration
	clock    clock.Clock
}

// userHZ is the unit of the times in /proc/<pid>/stat (USER_HZ, 100 on
// every Linux architecture the exporter builds for).
const userHZ = 100

func newSampler(mount string, st *state, every time.Duration, clk clock.Clock) (*sampler, error) {
	d, err := procfile.OpenDir(mount)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s for processes' memory and CPU: %w", mount, err)
	}
	b, err := d.ReadSmall("stat")
	var boot uint64
	if err == nil {
		boot, err = procfile.ParseBootTime(b)
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("cannot read the boot time from %s: %w", d.Path("stat"), err)
	}
	return &sampler{d: d, bootTime: float64(boot), pageSize: uint64(os.Getpagesize()), st: st, every: every, clock: clock.Or(clk)}, nil
}

// read returns what /proc says of pid, and false when it has no such pid.
func (s *sampler) read(pid int) (reading, bool) {
	b, err := s.d.ReadSmall(strconv.Itoa(pid) + "/stat")
	if err != nil {
		return reading{}, false
	}
	st, err := procfile.ParseStat(b)
	if err != nil {
		return reading{}, false
	}
	return reading{
		rss:   st.RSSPages * s.pageSize,
		cpu:   float64(st.UTime+st.STime) / userHZ,
		start: s.bootTime + float64(st.Start)/userHZ,
	}, true
}

// once takes one sample.
func (s *sampler) once() { s.st.sample(s.clock.Now(), s.read) }

// run samples at once and then every interval until ctx ends, and then
// closes the sampler's /proc.
func (s *sampler) run(ctx context.Context) {
	defer s.d.Close()
	for {
		s.once()
		if clock.Sleep(ctx, s.clock, s.every) != nil {
			return
		}
	}
}
