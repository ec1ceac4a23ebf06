package supervisorconf

import (
	"strings"
	"testing"
)

func TestParseSupervisordArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   string
		ok     bool
		script string
		conf   string
	}{
		{"supervisord -c /etc/s.conf", true, "supervisord", "/etc/s.conf"},
		{"/usr/bin/python3 /usr/bin/supervisord -n -c rel.conf", true, "/usr/bin/supervisord", "rel.conf"},
		{"/usr/bin/python3 -u /usr/local/bin/supervisord -nc/x.conf", true, "/usr/local/bin/supervisord", "/x.conf"},
		{"python3 -m supervisor.supervisord --configuration=/a.conf", true, "supervisor.supervisord", "/a.conf"},
		{"supervisord --conf /b.conf -n", true, "supervisord", "/b.conf"},
		{"supervisord -u nobody -c /c.conf", true, "supervisord", "/c.conf"},
		{"supervisord -uc /c.conf", true, "supervisord", ""}, // -u takes "c" as its value
		{"supervisord -n extra -c /late.conf", true, "supervisord", ""},
		{"supervisord --logfile -c -c /d.conf", true, "supervisord", "/d.conf"},
		{"supervisord", true, "supervisord", ""},
		{"/bin/sh -c supervisord", false, "", ""},
		{"python3 app.py supervisord", false, "", ""},
		{"supervisorctl -c /e.conf", false, "", ""},
	}
	for _, tt := range tests {
		sv, ok := parseSupervisordArgs(strings.Fields(tt.args))
		if ok != tt.ok || sv.script != tt.script || sv.conf != tt.conf {
			t.Errorf("%q: ok=%v script=%q conf=%q; want %v %q %q", tt.args, ok, sv.script, sv.conf, tt.ok, tt.script, tt.conf)
		}
	}
}
