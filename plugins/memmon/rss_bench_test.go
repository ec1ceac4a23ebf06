package memmon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/testharness/supervisord"
	"github.com/prometheus/procfs"
)

// buildBinary builds cmd/<name> as `make build` does, not the test binary,
// whose testing code would inflate the figures; env adds to the build's
// environment (CGO_ENABLED=0 for a static binary).
func buildBinary(b *testing.B, name string, env ...string) string {
	b.Helper()
	out := filepath.Join(b.TempDir(), name)
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-trimpath", "-o", out, "../../cmd/"+name)
	cmd.Env = append(os.Environ(), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

// reportResident reports the resident memory of pid, now and at its peak.
func reportResident(b *testing.B, pid int) {
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

// BenchmarkResidentMemory reports memmon's own resident memory under the
// real supervisord, after three TICK_5 ticks over 50 processes with -c and
// a restart on the way, built as `make build` builds it (cgo as the
// toolchain defaults) and as a static binary.
func BenchmarkResidentMemory(b *testing.B) {
	for _, build := range []struct {
		name string
		env  []string
	}{{"default", nil}, {"static", []string{"CGO_ENABLED=0"}}} {
		b.Run(build.name, func(b *testing.B) {
			memmon := buildBinary(b, "memmon", build.env...)
			var sections strings.Builder
			for i := range 50 {
				fmt.Fprintf(&sections, "[program:sleeper%02d]\ncommand=sleep 3600\nstartsecs=0\n\n", i)
			}
			fmt.Fprintf(&sections, "[program:hog]\ncommand=%s -mb 64\nstartsecs=0\n\n", lookPath(b, "memhog"))
			fmt.Fprintf(&sections, "[eventlistener:memmon]\ncommand=%s -c -a 1GB -p hog=32MB --max-restarts 1\nevents=TICK_5\npriority=-10\n", memmon)
			sv := supervisord.Start(b, supervisord.Config{Sections: sections.String(), LogLevel: "info"})
			_, stderr := sv.ChildLogs(b, "memmon")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := supervisord.WaitFile(ctx, stderr, 0, regexp.MustCompile(`(?s)(Checking any.*){3}`)); err != nil {
				b.Fatal(err)
			}
			info, err := sv.Client.GetProcessInfo(context.Background(), "memmon")
			if err != nil {
				b.Fatal(err)
			}
			reportResident(b, info.PID)
		})
	}
}
