package memmon

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/resident"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/testharness/supervisord"
)

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
			memmon := resident.Build(b, "memmon", build.env...)
			var sections strings.Builder
			for i := range 50 {
				fmt.Fprintf(&sections, "[program:sleeper%02d]\ncommand=sleep 3600\nstartsecs=0\n\n", i)
			}
			fmt.Fprintf(&sections, "[program:hog]\ncommand=%s -mb 64\nstartsecs=0\n\n", rig.Binary(b, "memhog"))
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
			resident.Report(b, info.PID)
		})
	}
}
