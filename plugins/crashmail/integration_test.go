package crashmail

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/testharness/supervisord"
)

// crashOnce is a command= that crashes (exit 3) the first time it runs and
// stays up once supervisord has restarted it, so that it yields exactly
// one unexpected exit, and its exit is followed at once by a restart, as
// with autorestart in production.
const crashOnce = `sh -c 'if [ -e %(here)s/%(program_name)s.crashed ]; then exec sleep 1000; fi; touch %(here)s/%(program_name)s.crashed; echo "to stdout"; echo "last words on stderr" >&2; sleep 1; exit 3'`

// subjectsBy returns the process names of crashmail subjects
// ("web crashed at ...").
func subjectsBy(t *testing.T, msgs []mailserver.Message) []string {
	t.Helper()
	var out []string
	for _, s := range subjects(t, msgs) {
		name, _, _ := strings.Cut(s, " crashed at ")
		out = append(out, name)
	}
	return out
}

// Real supervisord, real binary: a program that crashes yields exactly one
// mail, with the exit status and uptime read back although supervisord has
// already restarted it; an expected exit and a program not named by -p
// yield none.
func TestIntegrationRealSupervisord(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	srv := mailserver.NewServer(t)
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:crashmail]
		command=` + rig.Binary(t, "crashmail") + ` -m ops@example.com -H ` + srv.Addr() + ` -f supervisor@example.com -p crasher -p expected -p marker -o "[it]"
		events=PROCESS_STATE
		buffer_size=100
		priority=100
		startsecs=0
		stderr_logfile=%(here)s/crashmail.err

		[program:crasher]
		command=` + crashOnce + `
		startsecs=0
		priority=200

		[program:expected]
		command=sh -c 'sleep 1; exit 0'
		startsecs=0
		autorestart=false
		priority=201

		[program:other]
		command=sh -c 'sleep 1; exit 3'
		startsecs=0
		autorestart=false
		priority=202

		[program:marker]
		command=sh -c 'sleep 3; exit 4'
		startsecs=0
		autorestart=false
		priority=203
	`})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	// The marker crashes last: once its mail is in, every event before it
	// was handled, since a pool hands its listener one event at a time.
	msgs, err := srv.Wait(ctx, 2)
	if err != nil {
		t.Fatalf("%v; mails %q; crashmail stderr:\n%s", err, subjectsBy(t, msgs), readFile(t, filepath.Join(sv.Dir, "crashmail.err")))
	}
	sv.WaitLog(t, `exited: marker \(exit status 4; not expected\)`)
	if got := subjectsBy(t, srv.Messages()); !slices.Equal(got, []string{"[it]: crasher", "[it]: marker"}) {
		t.Fatalf("mails about %q, want crasher then marker", got)
	}
	b := bodyOf(t, msgs[0])
	for _, re := range []string{
		`^Process crasher in group crasher exited unexpectedly \(pid \d+\) from state RUNNING\n`,
		`\nExit status: 3\nUptime: 0:00:0[12]\n`,
		`\nLast 1 line\(s\) of the stderr log \(.*crasher-stderr.*\):\nlast words on stderr\n`,
		`\nLast 1 line\(s\) of the stdout log \(.*crasher-stdout.*\):\nto stdout\n`,
	} {
		if !regexp.MustCompile(re).MatchString(b) {
			t.Errorf("crasher's mail does not match %s:\n%s", re, b)
		}
	}
	if b := bodyOf(t, msgs[1]); !strings.Contains(b, "\nExit status: 4\nUptime: 0:00:0") {
		t.Errorf("marker's mail:\n%s", b)
	}
	if log := sv.Log(); strings.Contains(log, "crashmail: BUSY -> UNKNOWN") || strings.Contains(log, "event was rejected") {
		t.Errorf("crashmail broke the protocol or rejected an event:\n%s", log)
	}
}

// Fault injection on real supervisord: the MTA refuses connections when
// the crash happens and comes up after crashmail's first attempt failed;
// the mail arrives, once.
func TestIntegrationMTADownThenUp(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	srv := mailserver.NewServer(t)
	srv.Stop()
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:crashmail]
		command=` + rig.Binary(t, "crashmail") + ` -m ops@example.com -H ` + srv.Addr() + ` -f supervisor@example.com -p crasher -p marker
		events=PROCESS_STATE_EXITED
		priority=100
		startsecs=0
		stderr_logfile=%(here)s/crashmail.err

		[program:crasher]
		command=` + crashOnce + `
		startsecs=0
		priority=200

		[program:marker]
		command=sh -c 'sleep 0.5; exit 4'
		startsecs=0
		autostart=false
		autorestart=false
		priority=201
	`})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	errLog := filepath.Join(sv.Dir, "crashmail.err")
	if _, err := supervisord.WaitFile(ctx, errLog, 0, regexp.MustCompile(`undelivered: cannot connect to SMTP server .*connection refused`)); err != nil {
		t.Fatalf("%v:\n%s", err, readFile(t, errLog))
	}
	srv.Start()
	if _, err := srv.Wait(ctx, 1); err != nil {
		t.Fatalf("%v:\n%s", err, readFile(t, errLog))
	}
	// A later crash: once its mail is in, a duplicate of the first would be
	// too.
	must(t, sv.Client.StartProcess(ctx, "marker", false))
	if _, err := srv.Wait(ctx, 2); err != nil {
		t.Fatalf("%v:\n%s", err, readFile(t, errLog))
	}
	if got := subjectsBy(t, srv.Messages()); !slices.Equal(got, []string{"crasher", "marker"}) {
		t.Fatalf("mails about %q, want crasher once, then marker", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(data)
}

// Real supervisord with a login: crashmail started with a wrong password,
// then with none. Each says so in its own log once at the start, in a
// line that names the cause (the hint to set the variables only when they
// are unset), not again at each crash; the mails still go out, with what
// the event says.
func TestIntegrationLoginProblemsLoggedOnce(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	for _, c := range []struct {
		name, env, want, not string
	}{
		{"wrong password", `environment=SUPERVISOR_USERNAME="ops",SUPERVISOR_PASSWORD="wrong"`, `401 Unauthorized: user "ops" or its password is wrong`, "set SUPERVISOR_USERNAME"},
		{"no credentials", "", `401 Unauthorized: it needs a login; set SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD`, "wrong"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := mailserver.NewServer(t)
			sv := supervisord.Start(t, supervisord.Config{Username: "ops", Password: "right", Sections: `
				[eventlistener:crashmail]
				command=` + rig.Binary(t, "crashmail") + ` -m ops@example.com -H ` + srv.Addr() + ` -f supervisor@example.com -p crasher --outbox none
				events=PROCESS_STATE_EXITED
				buffer_size=100
				startsecs=0
				stderr_logfile=%(here)s/crashmail.err
				` + c.env + `

				[program:crasher]
				command=sh -c 'sleep 1; exit 3'
				startsecs=0
				priority=200
			`})
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			errLog := filepath.Join(sv.Dir, "crashmail.err")
			msgs, err := srv.Wait(ctx, 3)
			if err != nil {
				t.Fatalf("%v; crashmail stderr:\n%s", err, readFile(t, errLog))
			}
			if b := bodyOf(t, msgs[2]); !strings.Contains(b, "Details unavailable: ") || !strings.Contains(b, "401") {
				t.Errorf("third mail does not say why details are missing:\n%s", b)
			}
			stderr := readFile(t, errLog)
			var hits []string
			for _, l := range strings.Split(stderr, "\n") {
				// Not "401" alone: a time stamp's milliseconds can read 401.
				if strings.Contains(l, "HTTP 401") {
					hits = append(hits, l)
				}
			}
			// The socket's path is the test's temporary directory's.
			short := func(l string) int { return len(strings.ReplaceAll(l, sv.Dir, "/run")) }
			if len(hits) != 1 || !strings.Contains(hits[0], c.want) || strings.Contains(hits[0], c.not) || short(hits[0]) > 300 {
				t.Fatalf("want one line with %q (and not %q) at most 300 characters long, got %q; stderr:\n%s", c.want, c.not, hits, stderr)
			}
			if strings.Index(stderr, hits[0]) > strings.Index(stderr, "unexpected exit of crasher") {
				t.Errorf("the login problem was logged only at the first crash, not at the start:\n%s", stderr)
			}
		})
	}
}
