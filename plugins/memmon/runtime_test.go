package memmon

import (
	"fmt"
	"testing"
	"time"
)

func TestParseRuntimeLimit(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]runtimeLimit{
		"worker=12h":       {"worker", 12 * time.Hour},
		"web:web_01=86400": {"web:web_01", 24 * time.Hour},
		" web:* = 90m":     {"web:*", 90 * time.Minute},
	} {
		if got, err := parseRuntimeLimit(in); err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"worker":     `"worker" is not NAME=SECS: write for example worker=12h or web:web_01=86400`,
		"=1h":        `"=1h" is not NAME=SECS: write for example worker=12h or web:web_01=86400`,
		"worker=0":   `a run-time limit of "0" would act at every tick: give at least one second`,
		"worker=1w":  `time "1w" is not whole seconds: write 3600, or a whole number with s, m, h or d (90m, 12h, 1d)`,
		"worker=a=b": `"worker=a=b" is not NAME=SECS: write for example worker=12h or web:web_01=86400`,
	} {
		if _, err := parseRuntimeLimit(in); err == nil || err.Error() != want {
			t.Errorf("%q: %v; want %s", in, err, want)
		}
	}
}

// The copies of a numprocs program get different shares of the jitter,
// each within it and the same at every call.
func TestSpread(t *testing.T) {
	t.Parallel()
	jitter := 10 * time.Minute
	seen := map[time.Duration]bool{}
	for i := range 8 {
		name := fmt.Sprintf("worker:worker_%02d", i)
		d := spread(name, jitter)
		if d < 0 || d > jitter || d%time.Second != 0 || spread(name, jitter) != d {
			t.Errorf("%s: spread %v", name, d)
		}
		seen[d] = true
	}
	if len(seen) < 6 {
		t.Errorf("8 copies share %d spreads", len(seen))
	}
	if d := spread("worker:worker_00", 0); d != 0 {
		t.Errorf("no jitter: spread %v", d)
	}
}

func TestDailyWindow(t *testing.T) {
	t.Parallel()
	at := func(hm string) time.Time {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", "2026-12-02 "+hm, time.Local)
		return tm
	}
	for _, tt := range []struct {
		window string
		in     []string
		out    []string
	}{
		{"08:00-20:00", []string{"08:00", "12:30", "19:59"}, []string{"07:59", "20:00", "23:00", "00:00"}},
		{"22:00-06:00", []string{"22:00", "23:59", "00:00", "05:59"}, []string{"06:00", "12:00", "21:59"}},
	} {
		w, err := parseWindow(tt.window)
		if err != nil || w.String() != tt.window {
			t.Fatalf("%s: %v, %v", tt.window, w, err)
		}
		for _, hm := range tt.in {
			if !w.contains(at(hm)) {
				t.Errorf("%s does not contain %s", tt.window, hm)
			}
		}
		for _, hm := range tt.out {
			if w.contains(at(hm)) {
				t.Errorf("%s contains %s", tt.window, hm)
			}
		}
	}
	var none *dailyWindow
	if none.contains(at("12:00")) {
		t.Error("no window contains noon")
	}
	for in, want := range map[string]string{
		"8-20":        `"8-20" is not a time window: write HH:MM-HH:MM in local time, such as 08:00-20:00 (or 22:00-06:00 across midnight)`,
		"08:00":       `"08:00" is not a time window: write HH:MM-HH:MM in local time, such as 08:00-20:00 (or 22:00-06:00 across midnight)`,
		"08:00-08:00": `"08:00-08:00" is an empty window: FROM and TO differ in a window`,
	} {
		if _, err := parseWindow(in); err == nil || err.Error() != want {
			t.Errorf("%q: %v; want %s", in, err, want)
		}
	}
}
