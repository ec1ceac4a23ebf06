// Package resident measures a golance binary's own resident memory: for
// the benchmarks that report it (memmon's and httpok's), and for the test
// that holds every listener to its idle figure under supervisord
// (resident_test.go).
package resident

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/prometheus/procfs"
)

// Build builds cmd/<name> as `make build` does, not the test binary, whose
// testing code would inflate the figures; env adds to the build's
// environment (CGO_ENABLED=0 for a static binary).
func Build(b testing.TB, name string, env ...string) string {
	b.Helper()
	out := filepath.Join(b.TempDir(), name)
	// The go command that runs the benchmark is the one on PATH (make
	// bench calls it so).
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "github.com/golance/golance/cmd/"+name)
	cmd.Env = append(os.Environ(), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

// Of returns the resident memory of pid, now, in bytes, and its file-backed
// part.
func Of(pid int) (rss, file uint64, err error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return 0, 0, err
	}
	st, err := p.NewStatus()
	if err != nil {
		return 0, 0, err
	}
	return st.VmRSS, st.RssFile, nil
}

// Report reports the resident memory of pid, now and at its peak, as the
// metrics MiB-rss and MiB-peak-rss.
func Report(b *testing.B, pid int) {
	b.Helper()
	p, err := procfs.NewProc(pid)
	if err != nil {
		b.Fatal(err)
	}
	var st procfs.ProcStatus
	for b.Loop() {
		if st, err = p.NewStatus(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.VmRSS)/(1<<20), "MiB-rss")
	b.ReportMetric(float64(st.VmHWM)/(1<<20), "MiB-peak-rss")
}
