package rpc

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestGetAllConfigInfo(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "getAllConfigInfo")
	infos, err := c.GetAllConfigInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantCall(t, s, "supervisor.getAllConfigInfo", "")
	byName := map[string]ConfigInfo{}
	for _, ci := range infos {
		byName[ci.Namespec()] = ci
	}
	if len(byName) != len(infos) || len(infos) < 15 {
		t.Fatalf("%d entries, %d distinct namespecs", len(infos), len(byName))
	}

	// nofile sets every option that has an unset form.
	nf := byName["nofile"]
	if nf.UID != 0 || nf.Directory != "/tmp" || nf.ServerURL != "http://127.0.0.1:9001" ||
		!slices.Equal(nf.ExitCodes, []int{0, 2}) || nf.StopSignal != syscall.SIGINT || nf.Autostart ||
		nf.Command != "/nonexistent/program" {
		t.Errorf("nofile = %+v", nf)
	}
	// cat leaves them unset: supervisord sends "none".
	cat := byName["cat"]
	if cat.UID != -1 || cat.Directory != "" || cat.ServerURL != "" || !slices.Equal(cat.ExitCodes, []int{0}) ||
		cat.StopSignal != syscall.SIGTERM || !cat.Autostart || !cat.InUse || cat.StartSecs != 0 ||
		cat.StartRetries != 3 || cat.StopWaitSecs != 10 || cat.GroupPriority != 999 || cat.ProcessPriority != 999 {
		t.Errorf("cat = %+v", cat)
	}
	if !strings.Contains(cat.Stdout.Logfile, "cat-stdout") || cat.Stdout.LogfileMaxBytes != 50*1024*1024 ||
		cat.Stdout.LogfileBackups != 10 || cat.Stdout.EventsEnabled || cat.Stdout.Syslog || cat.Stdout.CaptureMaxBytes != 0 {
		t.Errorf("cat stdout = %+v", cat.Stdout)
	}
	if !strings.Contains(cat.Stderr.Logfile, "cat-stderr") {
		t.Errorf("cat stderr = %+v", cat.Stderr)
	}
	if got := byName["nolog"].Stdout.Logfile; got != "" {
		t.Errorf("nolog stdout logfile %q, want \"\" for NONE", got)
	}
	if ss := byName["stubborn"]; ss.StopWaitSecs != 3 {
		t.Errorf("stubborn stopwaitsecs %d, want 3", ss.StopWaitSecs)
	}
	for _, name := range []string{"web:web_00", "web:web_01", "mixed:mixok", "mixed:mixbad"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
}

func TestConfigInfoFromBadTypes(t *testing.T) {
	t.Parallel()
	tests := []map[string]any{
		{"name": 7},
		{"name": "x", "startsecs": "one"},
		{"name": "x", "autostart": int64(1)},
		{"name": "x", "exitcodes": []any{"0"}},
		{"name": "x", "exitcodes": "0"},
		{"group": "x"},
	}
	for _, m := range tests {
		if ci, err := configInfoFrom(m); err == nil {
			t.Errorf("configInfoFrom(%v) = %+v, want an error", m, ci)
		}
	}
}
