package procmem

import (
	"os/exec"
	"testing"
)

// startSleepers starts n real processes for the duration of the benchmark.
func startSleepers(b *testing.B, n int) []int {
	b.Helper()
	pids := make([]int, 0, n)
	for range n {
		cmd := exec.Command("sleep", "3600")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		pids = append(pids, cmd.Process.Pid)
	}
	return pids
}

// BenchmarkTick measures what one memmon tick costs in /proc reading:
// a snapshot, then the memory of each of 200 processes. The cumulative
// variants read every process on the machine to build the tree.
func BenchmarkTick(b *testing.B) {
	pids := startSleepers(b, 200)
	r := newReader(b)
	for _, bc := range []struct {
		name       string
		metric     Metric
		cumulative bool
	}{
		{"rss", RSS, false},
		{"rss-cumulative", RSS, true},
		{"pss", PSS, false},
		{"uss-cumulative", USS, true},
	} {
		b.Run(bc.name+"-200", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := r.Snapshot(bc.cumulative)
				if err != nil {
					b.Fatal(err)
				}
				for _, pid := range pids {
					if _, err := s.Usage(pid, bc.metric, bc.cumulative); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
