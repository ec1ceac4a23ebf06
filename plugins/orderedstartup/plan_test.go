package orderedstartup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golance/golance/listener/rpc"
)

// confFrom writes text as a supervisord.conf in a new directory and reads
// its options.
func confFrom(t *testing.T, text string) ([]programOptions, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "supervisord.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := loadConf(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts, pools, err := readOptions(c)
	if err != nil {
		t.Fatal(err)
	}
	return opts, pools
}

// ci is one getAllConfigInfo entry, as supervisord reports it.
func ci(group, name string, groupPrio, prio int, autostart bool) rpc.ConfigInfo {
	return rpc.ConfigInfo{Group: group, Name: name, GroupPriority: groupPrio, ProcessPriority: prio,
		Autostart: autostart, InUse: true, ExitCodes: []int{0}, StartSecs: 1}
}

func planText(t *testing.T, p *startPlan) string {
	t.Helper()
	var b strings.Builder
	if _, err := p.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// seedConf is ordered-startup-supervisord's README example, plus a
// program that has nothing to do with the chain.
const seedConf = `
[supervisord]
[eventlistener:inorder]
command=ordered-startup
events=PROCESS_STATE
[program:web]
command=web
priority=50
[program:ping]
command=/sbin/ping -c1 www.google.com
priority=100
autostart=false
startinorder=true
startnextafter=exited
[program:ping2]
command=/sbin/ping -c1 www.google.com
priority=200
autostart=false
startinorder=true
startnextafter=exited
[program:ping3]
command=/sbin/ping -c1 www.google.com
priority=400
autostart=false
startinorder=true
startnextafter=exited
[program:sleep]
command=/bin/sleep 60
priority=101
autostart=false
startinorder=true
`

var seedInfos = []rpc.ConfigInfo{
	ci("inorder", "inorder", -1, -1, true),
	ci("ping", "ping", 100, 100, false),
	ci("ping2", "ping2", 200, 200, false),
	ci("ping3", "ping3", 400, 400, false),
	ci("sleep", "sleep", 101, 101, false),
	ci("web", "web", 50, 50, true),
}

func TestPlanLinearChain(t *testing.T) {
	t.Parallel()
	opts, pools := confFrom(t, seedConf)
	plan, err := newStartPlan(opts, pools, seedInfos, "inorder")
	if err != nil {
		t.Fatal(err)
	}
	want := `layer 1
  ping: started first; priority 100
layer 2
  sleep: started when ping reaches EXITED; priority 101
layer 3
  ping2: started when sleep reaches RUNNING; priority 200
layer 4
  ping3: started when ping2 reaches EXITED; priority 400
`
	if got := planText(t, plan); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	ping3 := plan.programOf("ping3")
	if !ping3.Managed || len(ping3.Goals) != 1 || ping3.Goals[0][0].String() != "EXITED" {
		t.Errorf("the last program's goal is its startnextafter: %+v", ping3.Goals)
	}
	if plan.programOf("web") != nil || plan.programOf("inorder") != nil {
		t.Error("web (before the first startinorder program) and the listener take no part")
	}
}

func TestPlanDependencyGraph(t *testing.T) {
	t.Parallel()
	opts, pools := confFrom(t, `
[program:db]
priority=10
autostart=false
dependent_startup=true
[program:cache]
priority=20
autostart=false
dependent_startup=true
[program:migrate]
priority=900
autostart=false
dependent_startup=true
dependent_startup_wait_for=db:running
[program:web]
priority=30
autostart=false
dependent_startup=true
dependent_startup_wait_for=migrate:exited cache
[program:report]
priority=950
autostart=false
dependent_startup=true
dependent_startup_wait_for=db:RUNNING,exited
dependent_startup_inherit_priority=true
[program:tool]
autostart=false
`)
	infos := []rpc.ConfigInfo{ci("cache", "cache", 20, 20, false), ci("db", "db", 10, 10, false), ci("migrate", "migrate", 900, 900, false),
		ci("report", "report", 950, 950, false), ci("tool", "tool", 999, 999, false), ci("web", "web", 30, 30, false)}
	plan, err := newStartPlan(opts, pools, infos, "")
	if err != nil {
		t.Fatal(err)
	}
	want := `layer 1
  db: started first; priority 10
  cache: started first; priority 20
layer 2
  report: started when db reaches RUNNING or EXITED; priority 10 (inherited; own 950)
  migrate: started when db reaches RUNNING; priority 900
layer 3
  web: started when migrate reaches EXITED and cache reaches RUNNING; priority 30
`
	if got := planText(t, plan); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	db := plan.programOf("db")
	if len(db.Goals) != 2 || len(db.Dependents) != 2 {
		t.Errorf("db goals %v dependents %d", db.Goals, len(db.Dependents))
	}
}

func TestPlanGroupsAndNumprocs(t *testing.T) {
	t.Parallel()
	opts, pools := confFrom(t, `
[group:grp]
programs=a, b
priority=5
[program:a]
priority=2
autostart=false
startinorder=true
[program:b]
numprocs=2
numprocs_start=1
process_name=%(program_name)s_%(process_num)d
priority=1
autostart=false
startinorder=true
[program:web]
numprocs=2
process_name=%(program_name)s_%(process_num)02d
priority=10
autostart=false
`)
	infos := []rpc.ConfigInfo{ci("grp", "a", 5, 2, false), ci("grp", "b_1", 5, 1, false), ci("grp", "b_2", 5, 1, false),
		ci("web", "web_00", 10, 10, false), ci("web", "web_01", 10, 10, false)}
	plan, err := newStartPlan(opts, pools, infos, "")
	if err != nil {
		t.Fatal(err)
	}
	// Within group grp, b (priority 1) starts before a (priority 2); the
	// group (priority 5) before web (10).
	want := `layer 1
  b (grp:b_1, grp:b_2): started first; priority 1
layer 2
  a (grp:a): started when b reaches RUNNING; priority 2
layer 3
  web (web:web_00, web:web_01): started when a reaches RUNNING; priority 10
`
	if got := planText(t, plan); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	if len(plan.Warnings) != 0 {
		t.Errorf("warnings %q", plan.Warnings)
	}
}

func TestPlanCycles(t *testing.T) {
	t.Parallel()
	tests := []struct{ conf, want string }{
		{`
[program:a]
dependent_startup=true
dependent_startup_wait_for=b
[program:b]
dependent_startup=true
dependent_startup_wait_for=c:exited
[program:c]
dependent_startup=true
dependent_startup_wait_for=a
`, "dependency cycle: a waits for b (dependent_startup_wait_for); b waits for c (dependent_startup_wait_for); c waits for a (dependent_startup_wait_for): remove one of these waits"},
		// The chain makes second wait for first; first waits for second.
		{`
[program:first]
priority=1
startinorder=true
dependent_startup=true
dependent_startup_wait_for=second
[program:second]
priority=2
`, "dependency cycle: first waits for second (dependent_startup_wait_for); second waits for first (startinorder): remove one of these waits"},
		{`
[program:self]
dependent_startup=true
dependent_startup_wait_for=self:exited
`, "dependency cycle: self waits for itself"},
	}
	for _, tt := range tests {
		opts, pools := confFrom(t, tt.conf)
		var infos []rpc.ConfigInfo
		for i, o := range opts {
			infos = append(infos, ci(o.Name, o.Name, i+1, i+1, false))
		}
		_, err := newStartPlan(opts, pools, infos, "")
		if !errors.Is(err, errCycle) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want one containing %q", err, tt.want)
		}
	}
}

func TestPlanErrorsAndWarnings(t *testing.T) {
	t.Parallel()
	opts, pools := confFrom(t, `
[program:web]
dependent_startup=true
dependent_startup_wait_for=db
[program:api]
`)
	_, err := newStartPlan(opts, pools, []rpc.ConfigInfo{ci("web", "web", 1, 1, false), ci("api", "api", 1, 1, true)}, "")
	if !errors.Is(err, errConf) || !strings.Contains(err.Error(), "dependent_startup_wait_for=db:RUNNING in [program:web]") ||
		!strings.Contains(err.Error(), "names db, which is not a program supervisord runs; programs are: api, web") {
		t.Errorf("unknown wait: %v", err)
	}

	_, err = newStartPlan(opts, pools, []rpc.ConfigInfo{ci("other", "other", 1, 1, true)}, "")
	if !errors.Is(err, errConf) || !strings.Contains(err.Error(), "none of the 2 programs of the configuration is running in supervisord") {
		t.Errorf("wrong file: %v", err)
	}

	opts, pools = confFrom(t, `
[program:a]
priority=1
autostart=false
startinorder=true
[program:b]
priority=2
autostart=false
[program:c]
priority=3
autostart=false
startinorder=true
[program:d]
priority=4
autostart=true
dependent_startup=true
dependent_startup_wait_for=e
[program:e]
priority=5
autostart=false
[program:f]
priority=6
dependent_startup_wait_for=a
[program:gone]
startinorder=true
`)
	infos := []rpc.ConfigInfo{ci("a", "a", 1, 1, false), ci("b", "b", 2, 2, false), ci("c", "c", 3, 3, false), ci("d", "d", 4, 4, true),
		ci("e", "e", 5, 5, false), ci("f", "f", 6, 6, true), ci("stray", "stray", 7, 7, true), ci("old", "old", 8, 8, true)}
	infos[len(infos)-1].InUse = false
	plan, err := newStartPlan(opts, pools, infos, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"[program:gone] in ",
		"supervisord runs stray, which the configuration does not define",
		"c has startinorder=true but nothing starts it: b before it has no startinorder, and c has autostart=false",
		"f has dependent_startup_wait_for but not dependent_startup=true: the wait is ignored",
		// d comes after c, which has startinorder, and waits for e too.
		"d waits for c, which nothing starts: c has autostart=false and neither startinorder nor dependent_startup brings it in",
		"d has autostart=true, so supervisord starts it at once instead of after c reaches RUNNING and e reaches RUNNING: set autostart=false in [program:d]",
		"d waits for e, which nothing starts: e has autostart=false and neither startinorder nor dependent_startup brings it in",
	}
	if len(plan.Warnings) != len(want) {
		t.Fatalf("warnings:\n%s", strings.Join(plan.Warnings, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(plan.Warnings[i], w) {
			t.Errorf("warning %d = %q, want it to contain %q", i, plan.Warnings[i], w)
		}
	}
	want2 := `layer 1
  a: started first; priority 1
  c: started by nobody (autostart=false; see the warnings); priority 3
  e: started by nobody (autostart=false; see the warnings); priority 5
layer 2
  b: started when a reaches RUNNING; priority 2
  d: started when c reaches RUNNING and e reaches RUNNING; priority 4
`
	if got := planText(t, plan); !strings.HasPrefix(got, want2) || !strings.Contains(got, "\nwarning: d waits for e, which nothing starts") {
		t.Errorf("plan:\n%s\nwant it to start with:\n%s", got, want2)
	}
}

func TestReadOptionsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ conf, want string }{
		{"[program:p]\nstartnextafter=exitted\n", "s.conf:2: [program:p] startnextafter=exitted: "},
		{"[program:p]\nstartnextafter=exitted\n", "is not a process state; write one of STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL, UNKNOWN"},
		{"[program:p]\nstartinorder=yes please\n", "s.conf:2: [program:p] startinorder=yes please: "},
		{"[program:p]\ndependent_startup_wait_for=db:runing\n", `"runing" in "db:runing" is not a process state`},
		{"[program:p]\ndependent_startup_wait_for=db db:exited\n", "db is named twice"},
		{"[program:p]\ndependent_startup_wait_for=:exited\n", `":exited" names no program`},
		{"[program:p]\nnumprocs=two\n", "s.conf:2: [program:p] numprocs=two: "},
		{"[program:p]\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d_%(nope)s\n", "%(nope) cannot be expanded"},
		{"[program:p]\ndependent_runtime=yes\n", "s.conf:2: [program:p] dependent_runtime=yes: is not a dependent_runtime mode; write restart (restart it once what it waits for is RUNNING again), stop (stop it meanwhile) or false"},
		{"[program:p]\nstartinorder=%(ENV_NOPE)s\n", "s.conf:2: [program:p] startinorder=%(ENV_NOPE)s: %(ENV_NOPE) cannot be expanded"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "s.conf")
		os.WriteFile(path, []byte(tt.conf), 0o644)
		c, err := loadConf(path, []string{})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = readOptions(c)
		if !errors.Is(err, errConf) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one containing %q", tt.conf, err, tt.want)
		}
	}
	opts, _ := confFrom(t, "[program:p]\nstartinorder=On\nstartnextafter= Exited \ndependent_startup=1\ndependent_startup_wait_for=  a:starting,FATAL   b \n")
	p := opts[0]
	if !p.StartInOrder || p.StartNextAfter.String() != "EXITED" || !p.DependentStartup || len(p.WaitFor) != 2 ||
		p.WaitFor[0].String() != "a:STARTING,FATAL" || p.WaitFor[1].String() != "b:RUNNING" {
		t.Errorf("options %+v", p)
	}
}

// dependent_runtime follows the waits for RUNNING, and --plan shows it.
func TestPlanRuntimeDependencies(t *testing.T) {
	t.Parallel()
	opts, pools := confFrom(t, `
[program:db]
autostart=false
dependent_startup=true
[program:cache]
autostart=false
dependent_startup=true
[program:migrate]
autostart=false
dependent_startup=true
dependent_startup_wait_for=db
[program:web]
autostart=false
dependent_startup=true
dependent_startup_wait_for=migrate:exited db:running cache:starting,running
dependent_runtime=restart
[program:worker]
autostart=false
dependent_startup=true
dependent_startup_wait_for=web
dependent_runtime=Stop
[program:report]
autostart=false
dependent_startup=true
dependent_startup_wait_for=migrate:exited
dependent_runtime=restart
[program:plain]
autostart=false
dependent_startup=true
dependent_startup_wait_for=db
dependent_runtime=off
`)
	var infos []rpc.ConfigInfo
	for _, n := range []string{"db", "cache", "migrate", "web", "worker", "report", "plain"} {
		infos = append(infos, ci(n, n, 999, 999, false))
	}
	plan, err := newStartPlan(opts, pools, infos, "")
	if err != nil {
		t.Fatal(err)
	}
	want := `layer 1
  cache: started first; priority 999
  db: started first; priority 999
layer 2
  migrate: started when db reaches RUNNING; priority 999
  plain: started when db reaches RUNNING; priority 999
layer 3
  report: started when migrate reaches EXITED; priority 999
  web: started when migrate reaches EXITED and db reaches RUNNING and cache reaches STARTING or RUNNING; priority 999
    then restarted whenever db or cache leaves RUNNING, once they all are RUNNING again (dependent_runtime=restart)
layer 4
  worker: started when web reaches RUNNING; priority 999
    then stopped whenever web leaves RUNNING, and started again once it is RUNNING (dependent_runtime=stop)
warning: report has dependent_runtime=restart but waits for no program as RUNNING: it follows nothing at run time
`
	if got := planText(t, plan); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	if db := plan.programOf("db"); len(db.Followers) != 1 || db.Followers[0].Name != "web" {
		t.Errorf("db's followers: %v", db.Followers)
	}

	// Runtime edges are waits: a cycle through them is refused as any.
	opts, pools = confFrom(t, `
[program:a]
dependent_startup=true
dependent_startup_wait_for=b
dependent_runtime=restart
[program:b]
dependent_startup=true
dependent_startup_wait_for=a
`)
	_, err = newStartPlan(opts, pools, []rpc.ConfigInfo{ci("a", "a", 1, 1, false), ci("b", "b", 1, 1, false)}, "")
	if !errors.Is(err, errCycle) {
		t.Errorf("cycle: %v", err)
	}
}
