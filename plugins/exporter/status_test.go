package exporter

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
)

// The page marks what fails: a FATAL process, and one that crashed in the
// last hour even while it is RUNNING again; not one that exited as
// expected.
func TestStatusPageMarksFailures(t *testing.T) {
	r := newRig(t, "web", "db", "cron", "looper")
	run, ex, st, fa, bo := listener.StateRunning, listener.StateExited, listener.StateStarting, listener.StateFatal, listener.StateBackoff
	r.must(r.event("db", bo, st, " tries:1"))
	r.must(r.event("db", fa, bo, ""))
	r.must(r.event("cron", ex, run, " expected:1 pid:100"))
	r.must(r.event("looper", ex, run, " expected:0 pid:100"))
	r.must(r.event("looper", st, ex, " tries:0"))
	r.must(r.event("looper", run, st, " pid:101"))
	v := newStatusPage(r.h.st, nil, r.clock).view()
	failing := map[string]bool{}
	for _, p := range v.Processes {
		failing[p.Name] = p.Failing
	}
	want := map[string]bool{"web": false, "db": true, "cron": false, "looper": true}
	for name, f := range want {
		if failing[name] != f {
			t.Errorf("%s: failing %v, want %v", name, failing[name], f)
		}
	}
	if strings.Join(v.Failing, ",") != "db,looper" || v.Total != 4 || v.Running != 2 {
		t.Errorf("banner %v, %d of %d running", v.Failing, v.Running, v.Total)
	}
	if len(v.Events) != 6 || v.Events[0].Process != "looper" || !v.Events[2].Bad || v.Events[3].Note != "expected exit" || v.Events[3].Bad {
		t.Errorf("events, newest first: %+v", v.Events)
	}
	rec := httptest.NewRecorder()
	newStatusPage(r.h.st, nil, r.clock).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	if rec.Header().Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(body, `<section class="proc failing" id="p-db" data-state="FATAL">`) {
		t.Errorf("page:\n%s", body)
	}
	if !strings.Contains(body, `2 failing: db, looper`) || !strings.Contains(body, `<meta name="viewport"`) || strings.Contains(body, "<script") {
		t.Error("the page needs the banner and the viewport, and no script")
	}
}

// Names are escaped: a process name cannot inject markup.
func TestStatusPageEscapes(t *testing.T) {
	st := newState(4)
	st.proc("g", `<b>x</b>`)
	rec := httptest.NewRecorder()
	newStatusPage(st, nil, nil).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if strings.Contains(rec.Body.String(), "<b>x</b>") {
		t.Error("a process name went into the page unescaped")
	}
}
