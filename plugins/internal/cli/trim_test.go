package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// A listener's runtime gets one P and GOGC=50, unless the environment
// sets GOMAXPROCS or GOGC, which then stay as the runtime read them.
func TestTuneRuntime(t *testing.T) {
	procs, gc := runtime.GOMAXPROCS(0), debug.SetGCPercent(100)
	t.Cleanup(func() {
		runtime.GOMAXPROCS(procs)
		debug.SetGCPercent(gc)
	})
	for _, c := range []struct {
		gomaxprocs, gogc string
		procs, gc        int
	}{
		{"", "", 1, 50},
		{"3", "", 3, 50},
		{"", "200", 1, 200},
		{"3", "off", 3, -1},
	} {
		// What the runtime would have read from the environment at start.
		runtime.GOMAXPROCS(3)
		debug.SetGCPercent(map[string]int{"": 100, "200": 200, "off": -1}[c.gogc])
		t.Setenv("GOMAXPROCS", c.gomaxprocs)
		t.Setenv("GOGC", c.gogc)
		tuneRuntime()
		if got := runtime.GOMAXPROCS(0); got != c.procs {
			t.Errorf("GOMAXPROCS=%q: %d Ps, want %d", c.gomaxprocs, got, c.procs)
		}
		if got := debug.SetGCPercent(100); got != c.gc {
			t.Errorf("GOGC=%q: GC percent %d, want %d", c.gogc, got, c.gc)
		}
	}
}
