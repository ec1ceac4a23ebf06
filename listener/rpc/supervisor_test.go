package rpc

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestGetState(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "getState")
	st, err := c.GetState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st != SupervisorRunning || st.String() != "RUNNING" {
		t.Errorf("state %v (%d), want RUNNING (1)", st, int(st))
	}
	wantCall(t, s, "supervisor.getState", "")
}

func TestSupervisorStateString(t *testing.T) {
	t.Parallel()
	for st, want := range map[SupervisorState]string{
		SupervisorShutdown: "SHUTDOWN", SupervisorRestarting: "RESTARTING",
		SupervisorRunning: "RUNNING", SupervisorFatal: "FATAL", 7: "SupervisorState(7)",
	} {
		if got := st.String(); got != want {
			t.Errorf("SupervisorState(%d).String() = %q, want %q", int(st), got, want)
		}
	}
}

func TestStringMethods(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		fixture, method string
		call            func(*Client) (string, error)
		want            string
	}{
		{"getIdentification", "supervisor.getIdentification", func(c *Client) (string, error) { return c.GetIdentification(ctx) }, "capture"},
		{"getSupervisorVersion", "supervisor.getSupervisorVersion", func(c *Client) (string, error) { return c.GetSupervisorVersion(ctx) }, "4.2.5"},
		{"getAPIVersion", "supervisor.getAPIVersion", func(c *Client) (string, error) { return c.GetAPIVersion(ctx) }, "3.0"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, s := replay(t, tt.fixture)
			got, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			wantCall(t, s, tt.method, "")
		})
	}
}

func TestGetPID(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "getPID")
	pid, err := c.GetPID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := fixtureInt(t, "getPID"); pid != want || pid <= 0 {
		t.Errorf("pid %d, want %d", pid, want)
	}
	wantCall(t, s, "supervisor.getPID", "")
}

// fixtureInt returns the first <int> of a fixture, for values such as PIDs
// that change with every capture.
func fixtureInt(t *testing.T, name string) int {
	t.Helper()
	m := regexp.MustCompile(`<int>(-?\d+)</int>`).FindSubmatch(loadFixture(t, name).body)
	if m == nil {
		t.Fatalf("fixture %s has no <int>", name)
	}
	n := 0
	for _, d := range string(m[1]) {
		n = n*10 + int(d-'0')
	}
	return n
}

func TestReadLog(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "readLog")
	text, err := c.ReadLog(context.Background(), 0, 60)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ `).MatchString(text) || len(text) > 60 {
		t.Errorf("ReadLog = %q, want at most 60 bytes starting with a log timestamp", text)
	}
	wantCall(t, s, "supervisor.readLog", params(pInt("0"), pInt("60")))
}

func TestReadLogBadArguments(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "fault_BAD_ARGUMENTS")
	_, err := c.ReadLog(context.Background(), -1, 5)
	if !errors.Is(err, ErrBadArguments) {
		t.Fatalf("err = %v, want ErrBadArguments", err)
	}
	wantCall(t, s, "supervisor.readLog", params(pInt("-1"), pInt("5")))
}

func TestTrueMethods(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		fixture, method, params string
		call                    func(*Client) error
	}{
		{"shutdown", "supervisor.shutdown", "", func(c *Client) error { return c.Shutdown(ctx) }},
		{"restart", "supervisor.restart", "", func(c *Client) error { return c.Restart(ctx) }},
		{"clearProcessLogs", "supervisor.clearProcessLogs", params(pStr("talker")), func(c *Client) error { return c.ClearProcessLogs(ctx, "talker") }},
		{"sendProcessStdin", "supervisor.sendProcessStdin", params(pStr("cat"), pStr("hello é&#xA;")), func(c *Client) error { return c.SendProcessStdin(ctx, "cat", "hello é\n") }},
		{"sendRemoteCommEvent", "supervisor.sendRemoteCommEvent", params(pStr("mytype"), pStr("a &lt;b&gt; &amp; ü")), func(c *Client) error { return c.SendRemoteCommEvent(ctx, "mytype", "a <b> & ü") }},
		{"signalProcess", "supervisor.signalProcess", params(pStr("cat"), pStr("CONT")), func(c *Client) error { return c.SignalProcess(ctx, "cat", "CONT") }},
		{"startProcess", "supervisor.startProcess", params(pStr("sleeper"), pBool(true)), func(c *Client) error { return c.StartProcess(ctx, "sleeper", true) }},
		{"startProcess_nowait", "supervisor.startProcess", params(pStr("sleeper"), pBool(false)), func(c *Client) error { return c.StartProcess(ctx, "sleeper", false) }},
		{"stopProcess", "supervisor.stopProcess", params(pStr("web:web_00"), pBool(true)), func(c *Client) error { return c.StopProcess(ctx, "web:web_00", true) }},
		{"stopProcess_nowait", "supervisor.stopProcess", params(pStr("sleeper"), pBool(false)), func(c *Client) error { return c.StopProcess(ctx, "sleeper", false) }},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, s := replay(t, tt.fixture)
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			wantCall(t, s, tt.method, tt.params)
		})
	}
}

func TestReloadConfig(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "reloadConfig")
	got, err := c.ReloadConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Added) != 1 || got.Added[0] != "added" || len(got.Changed) != 0 || len(got.Removed) != 0 {
		t.Errorf("ReloadConfig = %+v, want Added [added] only", got)
	}
	wantCall(t, s, "supervisor.reloadConfig", "")
}

func TestReloadConfigCantReread(t *testing.T) {
	t.Parallel()
	c, _ := replay(t, "fault_CANT_REREAD")
	_, err := c.ReloadConfig(context.Background())
	if !errors.Is(err, ErrCantReread) {
		t.Fatalf("err = %v, want ErrCantReread", err)
	}
	if !strings.Contains(err.Error(), "program:broken does not specify a command") {
		t.Errorf("error %q lost supervisord's explanation", err)
	}
}

func TestProcessGroupAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, s := replay(t, "fault_ALREADY_ADDED")
	if err := c.AddProcessGroup(ctx, "cat"); !errors.Is(err, ErrAlreadyAdded) {
		t.Errorf("AddProcessGroup err = %v, want ErrAlreadyAdded", err)
	}
	wantCall(t, s, "supervisor.addProcessGroup", params(pStr("cat")))

	c, s = replay(t, "fault_STILL_RUNNING")
	if err := c.RemoveProcessGroup(ctx, "cat"); !errors.Is(err, ErrStillRunning) {
		t.Errorf("RemoveProcessGroup err = %v, want ErrStillRunning", err)
	}
	wantCall(t, s, "supervisor.removeProcessGroup", params(pStr("cat")))
}
