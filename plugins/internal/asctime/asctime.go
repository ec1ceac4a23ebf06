// Package asctime formats and parses supervisord's timestamps: local time
// with milliseconds after a comma, "2024-05-06 07:08:09,123". supervisord
// stamps every line of its main log this way, and superlance's plugins
// stamp their messages the same way (supervisor.childutils.get_asctime),
// so mail filters and scripts written for them rely on this exact shape.
package asctime

import (
	"sync/atomic"
	"time"
)

// Layout is the time layout of supervisord's timestamps.
const Layout = "2006-01-02 15:04:05,000"

// Format returns t in the local zone, as supervisord writes it.
func Format(t time.Time) string {
	return t.Local().Format(Layout)
}

// Append appends t as Format returns it to b, allocating only for a new
// second: a log line's stamp, hundreds of times a tick.
func Append(b []byte, t time.Time) []byte {
	t = t.Local()
	sec := t.Unix()
	c := last.Load()
	if c == nil || c.sec != sec || c.loc != time.Local {
		c = &second{sec: sec, loc: time.Local, text: t.AppendFormat(nil, Layout[:len(Layout)-len(",000")])}
		last.Store(c)
	}
	b = append(b, c.text...)
	ms := t.Nanosecond() / 1e6
	return append(b, ',', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// second is the text of one second, up to its milliseconds.
type second struct {
	sec  int64
	loc  *time.Location
	text []byte
}

// last is the second Append formatted last: a listener logs its lines of
// a tick within the same second (memmon's hundreds of "RSS of ..."), and
// formatting the date and time with AppendFormat cost a tenth of the
// line's making.
var last atomic.Pointer[second]

// Parse reads a timestamp as supervisord writes it, in the local zone: the
// zone supervisord itself writes in, since its children inherit its
// environment.
func Parse(s string) (time.Time, error) {
	return time.ParseInLocation(Layout, s, time.Local)
}
