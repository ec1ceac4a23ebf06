package mailcli

import "time"

// AscTime formats t as superlance's mail plugins stamp their messages
// (supervisor's childutils.get_asctime): local time with milliseconds
// after a comma, "2024-05-06 07:08:09,123". Mail filters and scripts that
// parse superlance's messages rely on this exact shape.
func AscTime(t time.Time) string {
	return t.Local().Format("2006-01-02 15:04:05,000")
}
