package crashinfo

import (
	"os"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const ms = time.Millisecond

// The main logs of a real supervisord 4.2.5 at loglevel info:
//
//   - mainlog-4.2.5-restarts.log runs web (exit 3 after 1.2 s, restarted
//     at once each time), segv (killed by SIGSEGV after 1.2 s) and ok
//     (exit 0, expected), and stops on SIGTERM;
//   - mainlog-4.2.5-fatal.log runs web (the same), killed (killed by
//     SIGKILL after 1.5 s) and quick (exits 2 at once, until FATAL).
func TestFindRunInRealMainLogs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		log      string
		name     string
		pid      int
		ok       bool
		cause    string
		expected bool
		lasted   time.Duration
	}{
		{"restarts", "web", 4237, true, "exit status 3", false, 1208 * ms},
		{"restarts", "web", 4241, true, "exit status 3", false, 1207 * ms},
		{"restarts", "web", 0, true, "exit status 3", false, 1207 * ms}, // the latest, as for BACKOFF and FATAL
		{"restarts", "segv", 4236, true, "terminated by SIGSEGV", false, 1211 * ms},
		{"restarts", "segv", 4301, true, "terminated by SIGSEGV", false, 1209 * ms},
		{"restarts", "ok", 4235, true, "exit status 0", true, 1210 * ms},
		{"restarts", "web", 4368, false, "", false, 0},  // stopped, not exited
		{"restarts", "segv", 4370, false, "", false, 0}, // stopped, not exited
		{"restarts", "web", 4236, false, "", false, 0},  // segv's pid
		{"restarts", "nosuch", 4237, false, "", false, 0},
		{"fatal", "web", 4444, true, "exit status 3", false, 1208 * ms},
		{"fatal", "web", 4571, true, "exit status 3", false, 1207 * ms},
		{"fatal", "web", 0, true, "exit status 3", false, 1207 * ms},
		{"fatal", "killed", 4442, true, "terminated by SIGKILL", false, 1510 * ms},
		{"fatal", "quick", 4443, true, "exit status 2", false, 5 * ms},
		{"fatal", "quick", 0, true, "exit status 2", false, 5 * ms}, // its last try, before FATAL
		{"fatal", "web", 9999, false, "", false, 0},                 // a pid whose spawn is not in the log
		{"fatal", "we", 0, false, "", false, 0},                     // no confusion with a longer name
		{"fatal", "nosuch", 0, false, "", false, 0},
	}
	logs := map[string]string{
		"restarts": readFixture(t, "mainlog-4.2.5-restarts.log"),
		"fatal":    readFixture(t, "mainlog-4.2.5-fatal.log"),
	}
	for _, tt := range tests {
		run, ok := FindRun(logs[tt.log], tt.name, tt.pid)
		lasted, known := run.Duration()
		if ok != tt.ok || run.Exit != (Exit{Cause: tt.cause, Expected: tt.expected}) || lasted != tt.lasted || known != tt.ok {
			t.Errorf("%s: FindRun(%s, %d) = %+v, %v (lasted %v, %v); want %q expected=%v after %v, %v",
				tt.log, tt.name, tt.pid, run, ok, lasted, known, tt.cause, tt.expected, tt.lasted, tt.ok)
		}
		if ok && tt.pid != 0 && run.PID != tt.pid {
			t.Errorf("%s: FindRun(%s, %d) found pid %d", tt.log, tt.name, tt.pid, run.PID)
		}
	}
}

// The cases the captured logs do not show, in supervisord's words.
func TestFindRunEdgeCases(t *testing.T) {
	t.Parallel()
	const (
		spawn1  = "2026-01-02 10:00:00,000 INFO spawned: 'job' with pid 11\n"
		spawn2  = "2026-01-02 10:00:01,000 INFO spawned: 'job' with pid 22\n"
		exit3   = "2026-01-02 10:00:02,500 WARN exited: job (exit status 3; not expected)\n"
		exit4   = "2026-01-02 10:00:03,000 WARN exited: job (exit status 4; not expected)\n"
		restart = "2026-01-02 10:00:01,000 INFO supervisord started with pid 7\n"
	)
	tests := []struct {
		name   string
		text   string
		pid    int
		ok     bool
		exit   string
		lasted time.Duration // -1: unknown
	}{
		{"one run", spawn1 + exit3, 11, true, "exit status 3; not expected", 2500 * ms},
		{"latest run", spawn1 + exit3, 0, true, "exit status 3; not expected", 2500 * ms},
		// Two processes called job (in two groups) running at once: the
		// first exit could be either's, and then which one is still
		// running is unknown too.
		{"same name, first pid", spawn1 + spawn2 + exit3 + exit4, 11, false, "", 0},
		{"same name, second pid", spawn1 + spawn2 + exit3 + exit4, 22, false, "", 0},
		{"same name, latest", spawn1 + spawn2 + exit3 + exit4, 0, true, "exit status 4; not expected", -1},
		// supervisord killed with SIGKILL and started again: the runs
		// of the first one ended without a line.
		{"supervisord restarted", spawn1 + restart + spawn2 + exit3, 22, true, "exit status 3; not expected", 1500 * ms},
		{"supervisord restarted, old pid", spawn1 + restart + spawn2 + exit3, 11, false, "", 0},
		// loglevel=warn: exits but no spawns.
		{"no spawn, pid", exit3, 11, false, "", 0},
		{"no spawn, latest", exit3, 0, true, "exit status 3; not expected", -1},
		{"stopped, then another run", spawn1 + "2026-01-02 10:00:01,000 INFO stopped: job (terminated by SIGTERM)\n" + spawn2 + exit3, 11, false, "", 0},
		{"core dumped", spawn1 + "2026-01-02 10:00:00,250 WARN exited: job (terminated by SIGSEGV (core dumped); not expected)\n", 11, true, "terminated by SIGSEGV (core dumped); not expected", 250 * ms},
		{"unknown cause", spawn1 + "2026-01-02 10:00:00,250 WARN exited: job (unknown termination cause 0x057f; not expected)\n", 11, true, "unknown termination cause 0x057f; not expected", 250 * ms},
		{"expected", spawn1 + "2026-01-02 10:00:00,250 INFO exited: job (exit status 0; expected)\n", 11, true, "exit status 0; expected", 250 * ms},
		// The tail of a log starts in the middle of a line.
		{"cut first line", "01-02 10:00:00,000 INFO spawned: 'job' with pid 11\n" + exit3, 11, false, "", 0},
		{"clock went back", spawn1 + "2026-01-02 09:59:59,000 WARN exited: job (exit status 3; not expected)\n", 11, true, "exit status 3; not expected", -1},
		{"no verdict", spawn1 + "2026-01-02 10:00:01,000 WARN exited: job (exit status 3)\n", 11, false, "", 0},
		{"not a log", "exited: job (exit status 3; not expected)\n", 0, false, "", 0},
		{"empty", "", 0, false, "", 0},
	}
	for _, tt := range tests {
		run, ok := FindRun(tt.text, "job", tt.pid)
		lasted, known := run.Duration()
		if !known {
			lasted = -1
		}
		if ok != tt.ok || run.Exit.String() != tt.exit || ok && lasted != tt.lasted {
			t.Errorf("%s: FindRun(job, %d) = %+v, %v (lasted %v); want %q after %v, %v", tt.name, tt.pid, run, ok, lasted, tt.exit, tt.lasted, tt.ok)
		}
	}
}

// BenchmarkFindRun searches a main-log tail as large as the one Fetch
// reads.
func BenchmarkFindRun(b *testing.B) {
	one := readFixture(b, "mainlog-4.2.5-fatal.log")
	log := strings.Repeat(one, mainLogBytes/len(one))
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := FindRun(log, "web", 4571); !ok {
			b.Fatal("not found")
		}
	}
}
