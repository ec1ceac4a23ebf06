package slacknotify

import (
	"os"
	"testing"
	"time"
)

// testdata/supervisord-4.2.5.log is the main log of a real supervisord
// 4.2.5 running a program that exits 3 after 1.2s (autorestart, so it is
// spawned again 2 ms after each exit), one that fails at once until
// FATAL, and one killed by SIGKILL.
func TestFindExit(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/supervisord-4.2.5.log")
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	ms := time.Millisecond
	for _, tc := range []struct {
		name   string
		pid    int
		exit   string
		ranFor time.Duration
	}{
		{"web", 4444, "exit status 3; not expected", 1208 * ms},
		{"web", 4571, "exit status 3; not expected", 1207 * ms},
		{"web", 0, "exit status 3; not expected", 1207 * ms}, // the latest, for BACKOFF and FATAL
		{"killed", 4442, "terminated by SIGKILL; not expected", 1510 * ms},
		{"quick", 0, "exit status 2; not expected", 5 * ms},
		{"web", 9999, "", 0}, // a pid whose spawn is not in the log
		{"we", 0, "", 0},     // no confusion with a longer name
		{"nosuch", 0, "", 0},
	} {
		exit, ranFor := findExit(log, tc.name, tc.pid)
		if exit != tc.exit || ranFor != tc.ranFor {
			t.Errorf("findExit(%s, %d) = %q, %s; want %q, %s", tc.name, tc.pid, exit, ranFor, tc.exit, tc.ranFor)
		}
	}
}

func TestLastLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		data    string
		n       int
		partial bool
		want    string
	}{
		{"", 5, false, ""},
		{"\n\n", 5, false, ""},
		{"a\nb\nc\n", 2, false, "b\nc"},
		{"a\nb\nc", 5, false, "a\nb\nc"},
		{"tial line\nb\nc\n", 5, true, "b\nc"}, // the first line of a tail is cut
		{"only part of one line", 5, true, "only part of one line"},
		{"x\ny\n", 1, false, "y"},
	} {
		if got := lastLines(tc.data, tc.n, tc.partial); got != tc.want {
			t.Errorf("lastLines(%q, %d, %v) = %q, want %q", tc.data, tc.n, tc.partial, got, tc.want)
		}
	}
}
