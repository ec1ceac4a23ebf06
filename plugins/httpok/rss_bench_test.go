package httpok

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/resident"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/testharness/supervisord"
)

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
			httpok := resident.Build(b, "httpok", build.env...)
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
			`, rig.Binary(b, "webserve"), addr, httpok, sendmail, addr)})
			_, stderr := sv.ChildLogs(b, "httpok")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := supervisord.WaitFile(ctx, stderr, 0, regexp.MustCompile(`(?s)(Mailed: .*){3}`)); err != nil {
				b.Fatal(err)
			}
			info, err := sv.Client.GetProcessInfo(context.Background(), "httpok")
			if err != nil {
				b.Fatal(err)
			}
			resident.Report(b, info.PID)
		})
	}
}
