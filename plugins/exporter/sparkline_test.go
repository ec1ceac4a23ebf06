package exporter

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		values []float64
		floor  float64
		want   string
	}{
		{"nothing known", []float64{nan, nan, nan}, 1, ""},
		{"too few", []float64{5}, 1, ""},
		{"flat at the floor", []float64{1, 1, 1}, 1, "M0.0 1.0 L60.0 1.0 L120.0 1.0"},
		{"scaled to its top", []float64{0, 2, 4}, 1, "M0.0 27.0 L60.0 14.0 L120.0 1.0"},
		{"a gap lifts the pen", []float64{4, nan, 4, 4}, 1, "M0.0 1.0 l1 0 M80.0 1.0 L120.0 1.0"},
		{"the floor keeps noise low", []float64{0, 0.01}, 1, "M0.0 27.0 L120.0 26.7"},
	} {
		got := newSparkline(tc.values, tc.floor).Path
		if got != tc.want {
			t.Errorf("%s: path %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDownsampleKeepsSpikes(t *testing.T) {
	values := make([]float64, 360)
	for i := range values {
		values[i] = math.NaN()
	}
	values[100] = 7
	values[101] = 1
	got := downsample(values, 120)
	if len(got) != 120 || got[33] != 7 || !math.IsNaN(got[0]) {
		t.Errorf("downsample: len %d, [33] %v, [0] %v", len(got), got[33], got[0])
	}
	if p := newSparkline(values, 1).Path; strings.Count(p, "M") != 1 {
		t.Errorf("one span of known values should be one stroke: %q", p)
	}
}

func TestFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 9 * time.Second: "9s", 250 * time.Second: "4m 10s",
		2*time.Hour + 5*time.Minute: "2h 5m", 76 * time.Hour: "3d 4h",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[uint64]string{512: "512 B", 2048: "2.0 KiB", 14_890_000: "14.2 MiB", 300 << 20: "300 MiB", 3 << 30: "3.0 GiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
