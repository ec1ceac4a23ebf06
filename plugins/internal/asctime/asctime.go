// Package asctime formats and parses supervisord's timestamps: local time
// with milliseconds after a comma, "2024-05-06 07:08:09,123". supervisord
// stamps every line of its main log this way, and superlance's plugins
// stamp their messages the same way (supervisor.childutils.get_asctime),
// so mail filters and scripts written for them rely on this exact shape.
package asctime

import "time"

// Layout is the time layout of supervisord's timestamps.
const Layout = "2006-01-02 15:04:05,000"

// Format returns t in the local zone, as supervisord writes it.
func Format(t time.Time) string {
	return t.Local().Format(Layout)
}

// Append appends t as Format returns it to b, without allocating: a log
// line's stamp, hundreds of times a tick.
func Append(b []byte, t time.Time) []byte {
	return t.Local().AppendFormat(b, Layout)
}

// Parse reads a timestamp as supervisord writes it, in the local zone: the
// zone supervisord itself writes in, since its children inherit its
// environment.
func Parse(s string) (time.Time, error) {
	return time.ParseInLocation(Layout, s, time.Local)
}
