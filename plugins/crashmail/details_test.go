package crashmail

import (
	"os"
	"strings"
	"testing"
	"time"
)

// testdata/mainlog-4.2.5.log is the main log of a real supervisord 4.2.5
// (loglevel=info) running web (exit 3 after 1.2 s, restarted each time),
// segv (killed by SIGSEGV after 1.2 s) and ok (exit 0).
func TestFindRunInARealMainLog(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/mainlog-4.2.5.log")
	must(t, err)
	ms := time.Millisecond
	tests := []struct {
		name   string
		pid    int
		ok     bool
		exit   string
		uptime time.Duration
	}{
		{"web", 4237, true, "3", 1208 * ms},
		{"web", 4241, true, "3", 1207 * ms},
		{"segv", 4236, true, "terminated by SIGSEGV", 1211 * ms},
		{"segv", 4301, true, "terminated by SIGSEGV", 1209 * ms},
		{"web", 4368, false, "", 0}, // stopped, not crashed
		{"ok", 4235, false, "", 0},  // expected exit
		{"web", 4236, false, "", 0}, // segv's pid
		{"nosuch", 4237, false, "", 0},
	}
	for _, tt := range tests {
		r, ok := findRun(string(data), tt.name, tt.pid)
		if ok != tt.ok || r.exit != tt.exit || r.uptime != tt.uptime || r.uptimeKnown != tt.ok {
			t.Errorf("findRun(%s, %d) = %+v, %v; want exit %q after %v, %v", tt.name, tt.pid, r, ok, tt.exit, tt.uptime, tt.ok)
		}
	}
}

func TestLastLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		cut  bool
		n    int
		want []string
	}{
		{"", false, 5, nil},
		{"\n\n", false, 5, nil},
		{"a\nb\nc\n", false, 2, []string{"b", "c"}},
		{"a\r\nb\r\n", false, 5, []string{"a", "b"}},
		{"tail of a line\nb\nc", true, 5, []string{"b", "c"}},
		{"only a partial line", true, 5, []string{"only a partial line"}},
		{"x\n" + strings.Repeat("é", maxLineRunes+5), false, 5, []string{"x", strings.Repeat("é", maxLineRunes) + " …"}},
	}
	for _, tt := range tests {
		got := lastLines(tt.text, tt.cut, tt.n)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("lastLines(%q, %v, %d) = %q, want %q", tt.text, tt.cut, tt.n, got, tt.want)
		}
	}
}

func TestFormatUptime(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0:                              "0:00:00",
		65 * time.Second:               "0:01:05",
		10*time.Hour + 59*time.Second:  "10:00:59",
		24 * time.Hour:                 "1 day, 0:00:00",
		3*24*time.Hour + 4*time.Minute: "3 days, 0:04:00",
	} {
		if got := formatUptime(d); got != want {
			t.Errorf("formatUptime(%v) = %q, want %q", d, got, want)
		}
	}
}
