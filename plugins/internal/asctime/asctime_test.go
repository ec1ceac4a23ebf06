package asctime

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	// superlance's childutils.get_asctime(1700000000.5) in UTC, as its
	// tests document it: "2023-11-14 22:13:20,500".
	at := time.Unix(1700000000, 500e6)
	if got, want := Format(at.In(time.UTC)), at.Local().Format("2006-01-02 15:04:05")+",500"; got != want {
		t.Errorf("Format = %q, want %q (local time, whatever t's zone)", got, want)
	}
	for tm, want := range map[time.Time]string{
		time.Date(2024, 1, 2, 3, 4, 5, 7e6, time.Local):           "2024-01-02 03:04:05,007",
		time.Date(2024, 12, 31, 23, 59, 59, 999999e3, time.Local): "2024-12-31 23:59:59,999", // truncated, not rounded
		time.Date(2024, 5, 6, 7, 8, 9, 0, time.Local):             "2024-05-06 07:08:09,000",
	} {
		if got := Format(tm); got != want {
			t.Errorf("Format(%v) = %q, want %q", tm, got, want)
		}
		if got := string(Append([]byte("at "), tm)); got != "at "+want {
			t.Errorf("Append(%v) = %q, want %q", tm, got, "at "+want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	got, err := Parse("2026-11-21 06:12:24,116")
	if want := time.Date(2026, 11, 21, 6, 12, 24, 116e6, time.Local); err != nil || !got.Equal(want) || got.Location() != time.Local {
		t.Errorf("Parse = %v, %v; want %v", got, err, want)
	}
	if s := Format(got); s != "2026-11-21 06:12:24,116" {
		t.Errorf("Format(Parse(s)) = %q", s)
	}
	for _, bad := range []string{
		"",
		"2026-11-21 06:12:24",      // no milliseconds
		"2026-11-21 06:12:24,1160", // too many digits
		"2026-11-21T06:12:24,116",
		"24,116 INFO spawned",
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("2026-11-21 06:12:24,116"); err != nil {
			b.Fatal(err)
		}
	}
}

// Append's kept second serves the milliseconds of that second only, in
// the zone of its time: the next second, the same second again, and the
// same instant in another zone are each formatted afresh.
func TestAppendKeepsOneSecond(t *testing.T) {
	base := time.Date(2026, 12, 4, 2, 30, 59, 0, time.Local)
	for _, tm := range []time.Time{
		base.Add(5 * time.Millisecond), base.Add(999 * time.Millisecond), base.Add(time.Second),
		base.Add(1001 * time.Millisecond), base, base.Add(-time.Nanosecond), base.In(time.UTC),
	} {
		if got, want := string(Append(nil, tm)), tm.Local().Format(Layout); got != want {
			t.Errorf("Append(%v) = %q, want %q", tm, got, want)
		}
	}
	saved := time.Local
	defer func() { time.Local = saved }()
	time.Local = time.FixedZone("X", 3*3600+1800)
	if got, want := string(Append(nil, base)), base.In(time.Local).Format(Layout); got != want {
		t.Errorf("after a change of zone: %q, want %q", got, want)
	}
}

func BenchmarkAppend(b *testing.B) {
	buf := make([]byte, 0, 64)
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		buf = Append(buf[:0], now.Add(time.Duration(i%1000)*time.Microsecond))
	}
}
