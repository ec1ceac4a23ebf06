package rig

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness/supervisord"
)

// complaint is a warning or error line of a plugin's log.
var complaint = regexp.MustCompile(`(?m)^\S+ \S+ (WARN|ERRO|CRIT) `)

// DocExample loads testdata/examples/NAME.conf, a configuration a
// plugin's page shows, into the real supervisord, and fails unless its
// [eventlistener:x] starts, reaches RUNNING and writes no warning or
// error; it returns what the listener wrote to stderr. "-m
// ops@example.com" gains "-s" and a sendmail stand-in, since test
// machines need not have /usr/sbin/sendmail.
func DocExample(t *testing.T, name string) string {
	t.Helper()
	conf, err := os.ReadFile("testdata/examples/" + name + ".conf")
	Must(t, err)
	sections := strings.ReplaceAll(string(conf), "-m ops@example.com", "-m ops@example.com -s "+NewSendmail(t).Path())
	m := regexp.MustCompile(`\[eventlistener:(\w+)\]`).FindStringSubmatch(sections)
	if m == nil {
		t.Fatalf("testdata/examples/%s.conf has no [eventlistener:x] section", name)
	}
	pool := m[1]
	sv := supervisord.Start(t, supervisord.Config{Sections: sections})
	sv.WaitLog(t, `success: `+pool+` entered RUNNING state`)
	info, err := sv.Client.GetProcessInfo(context.Background(), pool)
	if err != nil || info.State != listener.StateRunning {
		t.Fatalf("%s: %+v, %v\n%s", pool, info, err, sv.Log())
	}
	var stderr []byte
	if _, path := sv.ChildLogs(t, pool); path != "" {
		stderr, _ = os.ReadFile(path)
	}
	if complaint.Match(stderr) {
		t.Fatalf("%s wrote:\n%s", pool, stderr)
	}
	return string(stderr)
}
