package httpok

import (
	"fmt"
	"testing"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/resident"
	"github.com/golance/golance/internal/testkit/rig"
)

// BenchmarkTickRealSupervisord measures httpok -E's tick as supervisord
// 4.2.5 lives it, from its own debug log, with 100, 500 and 1000
// processes: the check of a healthy URL served by another program, while
// the watched process runs, which httpok knows from its process table
// (see testkit.TickUnderSupervisord for the figures). Without -E a healthy
// tick calls supervisord never, so -E is the case the table is for. make
// bench runs it with -benchtime 1x: a run takes half a minute per size.
func BenchmarkTickRealSupervisord(b *testing.B) {
	httpok := resident.Build(b, "httpok", "CGO_ENABLED=0")
	webserve := rig.Binary(b, "webserve")
	for _, n := range []int{100, 500, 1000} {
		b.Run(fmt.Sprintf("processes-%d", n), func(b *testing.B) {
			for b.Loop() {
				addr := freePort(b)
				testkit.TickUnderSupervisord(b, testkit.TickBench{
					Pool:    "httpok",
					Command: fmt.Sprintf("%s -E -p sleep_0007 http://%s/health", httpok, addr),
					Sections: fmt.Sprintf(`
						[program:web]
						command=%s %s 200
						startsecs=0
						stdout_logfile=NONE
					`, webserve, addr),
				}, n)
			}
		})
	}
}
