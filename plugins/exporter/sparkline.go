package exporter

import (
	"math"
	"strconv"
	"strings"
)

// Sparkline size, in SVG user units.
const (
	sparkWidth  = 120
	sparkHeight = 28
)

// sparkline is one small plot for the status page: an SVG path over the
// last hour, scaled to its own maximum, with gaps where a value is
// unknown (no pid, a restart).
type sparkline struct {
	Path   string // the d attribute; "" when nothing is known
	Width  int
	Height int
}

// newSparkline plots values (oldest first). floor is the least top of the
// scale, so that an idle process's noise does not fill the plot.
func newSparkline(values []float64, floor float64) sparkline {
	s := sparkline{Width: sparkWidth, Height: sparkHeight}
	values = downsample(values, sparkWidth)
	top := floor
	for _, v := range values {
		if !math.IsNaN(v) && v > top {
			top = v
		}
	}
	if len(values) < 2 || top <= 0 {
		return s
	}
	var b strings.Builder
	pen := false
	step := float64(sparkWidth) / float64(len(values)-1)
	for i, v := range values {
		if math.IsNaN(v) {
			pen = false
			continue
		}
		x := float64(i) * step
		y := float64(sparkHeight-1) - (v/top)*float64(sparkHeight-2)
		if pen {
			b.WriteString(" L")
		} else {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("M")
		}
		b.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
		b.WriteByte(' ')
		b.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
		if !pen && (i+1 >= len(values) || math.IsNaN(values[i+1])) {
			// A lone point: a short tick, so that it shows.
			b.WriteString(" l1 0")
		}
		pen = true
	}
	s.Path = b.String()
	return s
}

// downsample keeps at most n values, each the largest of its span (a
// spike must show), NaN where a whole span is unknown.
func downsample(values []float64, n int) []float64 {
	if len(values) <= n {
		return values
	}
	out := make([]float64, n)
	for i := range out {
		lo, hi := i*len(values)/n, (i+1)*len(values)/n
		m := math.NaN()
		for _, v := range values[lo:hi] {
			if !math.IsNaN(v) && (math.IsNaN(m) || v > m) {
				m = v
			}
		}
		out[i] = m
	}
	return out
}
