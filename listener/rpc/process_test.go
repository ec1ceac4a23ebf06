package rpc

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

func TestGetProcessInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture  string
		name     string
		state    listener.State
		desc     string // prefix of Description
		started  bool
		stopped  bool
		spawnErr string
		exit     int
		running  bool
	}{
		{fixture: "getProcessInfo_running", name: "cat", state: listener.StateRunning, desc: "pid ", started: true, running: true},
		{fixture: "getProcessInfo_notstarted", name: "sleeper", state: listener.StateStopped, desc: "Not started"},
		{fixture: "getProcessInfo_stopped", name: "sleeper", state: listener.StateStopped, started: true, stopped: true, exit: -1},
		{fixture: "getProcessInfo_exited", name: "esc", state: listener.StateExited, started: true, stopped: true},
		{fixture: "getProcessInfo_fatal", name: "quick", state: listener.StateFatal, desc: "Exited too quickly",
			started: true, stopped: true, spawnErr: "Exited too quickly (process log may have details)"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, s := replay(t, tt.fixture)
			p, err := c.GetProcessInfo(context.Background(), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			wantCall(t, s, "supervisor.getProcessInfo", params(pStr(tt.name)))
			if p.Name != tt.name || p.Group != tt.name || p.Namespec() != tt.name {
				t.Errorf("name %q group %q namespec %q, want %q for all", p.Name, p.Group, p.Namespec(), tt.name)
			}
			if p.State != tt.state || p.StateName != tt.state.String() {
				t.Errorf("state %v %q, want %v", p.State, p.StateName, tt.state)
			}
			if !strings.HasPrefix(p.Description, tt.desc) {
				t.Errorf("description %q, want prefix %q", p.Description, tt.desc)
			}
			if (p.Start != 0) != tt.started || (p.Stop != 0) != tt.stopped {
				t.Errorf("start %d stop %d, want started=%v stopped=%v", p.Start, p.Stop, tt.started, tt.stopped)
			}
			if p.Now == 0 || p.Now < p.Start || p.Now.Time().Year() < 2020 {
				t.Errorf("now %d (%v) is not a plausible time after start %d", p.Now, p.Now.Time(), p.Start)
			}
			if p.SpawnErr != tt.spawnErr {
				t.Errorf("spawnerr %q, want %q", p.SpawnErr, tt.spawnErr)
			}
			if p.ExitStatus != tt.exit {
				t.Errorf("exitstatus %d, want %d", p.ExitStatus, tt.exit)
			}
			if (p.PID != 0) != tt.running {
				t.Errorf("pid %d, want running=%v", p.PID, tt.running)
			}
			if !strings.HasSuffix(p.StdoutLogfile, ".log") || p.Logfile != p.StdoutLogfile || !strings.Contains(p.StderrLogfile, tt.name+"-stderr") {
				t.Errorf("logfiles %q %q %q", p.Logfile, p.StdoutLogfile, p.StderrLogfile)
			}
		})
	}
}

func TestProcessInfoUptime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    ProcessInfo
		want time.Duration
	}{
		{ProcessInfo{State: listener.StateRunning, Start: 1000, Now: 1090}, 90 * time.Second},
		{ProcessInfo{State: listener.StateRunning, Start: 1000, Now: 999}, 0}, // clock set back
		{ProcessInfo{State: listener.StateExited, Start: 1000, Stop: 1050, Now: 1090}, 0},
		{ProcessInfo{State: listener.StateRunning, Now: 1090}, 0},
	}
	for _, tt := range tests {
		if got := tt.p.Uptime(); got != tt.want {
			t.Errorf("%+v.Uptime() = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestProcessInfoNamespec(t *testing.T) {
	t.Parallel()
	if got := (ProcessInfo{Name: "web_01", Group: "web"}).Namespec(); got != "web:web_01" {
		t.Errorf("Namespec = %q, want web:web_01", got)
	}
	if got := (ProcessStatus{Name: "mixok", Group: "mixed"}).Namespec(); got != "mixed:mixok" {
		t.Errorf("Namespec = %q, want mixed:mixok", got)
	}
}

func TestUnixTime(t *testing.T) {
	t.Parallel()
	if !UnixTime(0).Time().IsZero() {
		t.Error("UnixTime(0).Time() is not the zero Time")
	}
	if got := UnixTime(1700000000).Time(); !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("UnixTime(1700000000).Time() = %v", got)
	}
}

func TestGetAllProcessInfo(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "getAllProcessInfo")
	infos, err := c.GetAllProcessInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantCall(t, s, "supervisor.getAllProcessInfo", "")
	byName := map[string]ProcessInfo{}
	for i, p := range infos {
		byName[p.Namespec()] = p
		if i > 0 {
			prev := infos[i-1]
			if prev.Group > p.Group || prev.Group == p.Group && prev.Name > p.Name {
				t.Errorf("not sorted by group then name: %s before %s", prev.Namespec(), p.Namespec())
			}
		}
	}
	want := map[string]listener.State{
		"cat": listener.StateRunning, "talker": listener.StateRunning, "quick": listener.StateFatal,
		"esc": listener.StateExited, "sleeper": listener.StateStopped, "web:web_00": listener.StateStopped,
		"web:web_01": listener.StateStopped, "nofile": listener.StateStopped, "mixed:mixok": listener.StateStopped,
	}
	for name, state := range want {
		p, ok := byName[name]
		if !ok {
			t.Errorf("%s missing from %d processes", name, len(infos))
			continue
		}
		if p.State != state {
			t.Errorf("%s state %v, want %v", name, p.State, state)
		}
	}
}

func TestStatusMethods(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		fixture, method, params string
		call                    func(*Client) ([]ProcessStatus, error)
		want                    []ProcessStatus
	}{
		{"startProcessGroup", "supervisor.startProcessGroup", params(pStr("web"), pBool(true)),
			func(c *Client) ([]ProcessStatus, error) { return c.StartProcessGroup(ctx, "web", true) },
			[]ProcessStatus{{"web_00", "web", Success, "OK"}, {"web_01", "web", Success, "OK"}}},
		{"stopProcessGroup", "supervisor.stopProcessGroup", params(pStr("web"), pBool(false)),
			func(c *Client) ([]ProcessStatus, error) { return c.StopProcessGroup(ctx, "web", false) },
			[]ProcessStatus{{"web_00", "web", Success, "OK"}, {"web_01", "web", Success, "OK"}}},
		{"signalProcessGroup", "supervisor.signalProcessGroup", params(pStr("web"), pStr("CONT")),
			func(c *Client) ([]ProcessStatus, error) { return c.SignalProcessGroup(ctx, "web", "CONT") },
			[]ProcessStatus{{"web_00", "web", Success, "OK"}, {"web_01", "web", Success, "OK"}}},
		{"startProcessGroup_mixed", "supervisor.startAllProcesses", params(pBool(true)),
			func(c *Client) ([]ProcessStatus, error) { return c.StartAllProcesses(ctx, true) },
			[]ProcessStatus{{"mixok", "mixed", Success, "OK"}, {"mixbad", "mixed", ErrNoFile, "NO_FILE: can't find command '/nonexistent/program'"}}},
		{"stopProcessGroup_mixed", "supervisor.stopAllProcesses", params(pBool(true)),
			func(c *Client) ([]ProcessStatus, error) { return c.StopAllProcesses(ctx, true) },
			[]ProcessStatus{{"mixok", "mixed", Success, "OK"}}},
		{"signalProcessGroup_badsignal", "supervisor.signalAllProcesses", params(pStr("NOPE")),
			func(c *Client) ([]ProcessStatus, error) { return c.SignalAllProcesses(ctx, "NOPE") },
			[]ProcessStatus{{"mixok", "mixed", ErrBadSignal, "BAD_SIGNAL: NOPE"}}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, s := replay(t, tt.fixture)
			got, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			wantCall(t, s, tt.method, tt.params)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("status %d = %+v, want %+v", i, got[i], tt.want[i])
				}
				if err := got[i].Err(); (err == nil) != (tt.want[i].Status == Success) {
					t.Errorf("status %d Err() = %v", i, err)
				} else if err != nil && (!errors.Is(err, tt.want[i].Status) || err.Error() != tt.want[i].Description) {
					t.Errorf("status %d Err() = %q, want %v matching %q", i, err, tt.want[i].Status, tt.want[i].Description)
				}
			}
		})
	}
}

// startProcess and stopProcess answer "group:*" with the group's statuses.
func TestStartStopGroupStar(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, s := replay(t, "startProcess_groupstar")
	err := c.StartProcess(ctx, "mixed:*", true)
	if !errors.Is(err, ErrNoFile) || errors.Is(err, Success) {
		t.Errorf("err = %v, want the failure of mixbad only", err)
	}
	var f *Fault
	if !errors.As(err, &f) || f.Method != "supervisor.startProcess" || f.String != "NO_FILE: can't find command '/nonexistent/program'" {
		t.Errorf("fault %+v", f)
	}
	wantCall(t, s, "supervisor.startProcess", params(pStr("mixed:*"), pBool(true)))

	c, s = replay(t, "stopProcess_groupstar")
	if err := c.StopProcess(ctx, "mixed:*", false); err != nil {
		t.Errorf("StopProcess(mixed:*) = %v", err)
	}
	wantCall(t, s, "supervisor.stopProcess", params(pStr("mixed:*"), pBool(false)))

	// Anything else is malformed.
	for _, fixture := range []string{"getPID", "getState", "listMethods"} {
		c, _ = replay(t, fixture)
		if err := c.StartProcess(ctx, "x", true); !errors.Is(err, ErrBadResponse) {
			t.Errorf("%s as startProcess answer: err = %v", fixture, err)
		}
	}
}
