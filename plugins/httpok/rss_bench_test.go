package httpok

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
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

// BenchmarkResidentMemory reports httpok's own resident memory under the
// real supervisord, after three TICK_5 checks of an unhealthy server, each
// restarting it and mailing a report, built as `make build` builds it and
// as a static binary.
func BenchmarkResidentMemory(b *testing.B) {
	for _, build := range []struct {
		name string
		env  []string
	}{{"default", nil}, {"static", []string{"CGO_ENABLED=0"}}} {
		b.Run(build.name, func(b *testing.B) {
			httpok := buildBinary(b, "httpok", build.env...)
			mailed := filepath.Join(b.TempDir(), "mailed")
			sendmail := filepath.Join(b.TempDir(), "sendmail")
			if err := os.WriteFile(sendmail, []byte("#!/bin/sh\ncat >> "+mailed+"\n"), 0o755); err != nil {
				b.Fatal(err)
			}
			addr := freePort(b)
			sv := supervisord.Start(b, supervisord.Config{LogLevel: "info", Sections: fmt.Sprintf(`
				[program:web]
				command=%s %s 500
				startsecs=0

				[eventlistener:httpok]
				command=%s -p web -m ops@example.com -s %s http://%s/health
				events=TICK_5
				priority=-20
			`, lookPath(b, "webserve"), addr, httpok, sendmail, addr)})
			_, stderr := sv.ChildLogs(b, "httpok")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := supervisord.WaitFile(ctx, stderr, 0, regexp.MustCompile(`(?s)(Mailed:.*){3}`)); err != nil {
				b.Fatal(err)
			}
			info, err := sv.Client.GetProcessInfo(context.Background(), "httpok")
			if err != nil {
				b.Fatal(err)
			}
			reportResident(b, info.PID)
		})
	}
}
