package resident_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golance/golance/internal/testkit/resident"
	"github.com/golance/golance/testharness/supervisord"
)

const mib = 1 << 20

// idle is every listener binary: how it runs in the test, and the resident
// memory it may hold, idle under supervisord, built as make build builds
// it. The target is 8 MiB each (issue 11). memmon, httpok and
// supervisord_exporter are above it: what their ticks and scrapes touch
// again of their code after start-up gave it back (cli.trimResident)
// measured 8.7-9.8 MiB, 9.4-9.9 MiB and 8.6-10.3 MiB; their ceilings are
// those figures plus 1 MiB, so that a regression shows and the target
// stays in sight. slack-notify measured 6.5-7.6 MiB, too close to 8 for a
// test that must not flake: 9.
var idle = map[string]struct {
	args, events string
	ceiling      uint64
}{
	"crashmail":            {"-a -m root -s /bin/true --outbox %(here)s/crashmail", "PROCESS_STATE_EXITED", 8 * mib},
	"crashmailbatch":       {"-t root --sendmail_program /bin/true -f me@example.com -e TICK_5 --outbox %(here)s/crashmailbatch", "PROCESS_STATE,TICK_5", 8 * mib},
	"fatalmailbatch":       {"-t root --sendmail_program /bin/true -f me@example.com -e TICK_5 --outbox %(here)s/fatalmailbatch", "PROCESS_STATE,TICK_5", 8 * mib},
	"crashsms":             {"-t 5551234@sms.example.com --sendmail_program /bin/true -f me@example.com -e TICK_5 --outbox %(here)s/crashsms", "PROCESS_STATE,TICK_5", 8 * mib},
	"memmon":               {"-a 1GB -c", "TICK_5", 11 * mib},
	"httpok":               {"-p sleep -t 2 http://127.0.0.1:{{port}}/", "TICK_5", 11 * mib},
	"ordered-startup":      {"--configuration %(here)s/supervisord.conf", "PROCESS_STATE", 8 * mib},
	"slack-notify":         {"--dry-run -a --outbox %(here)s/slack-notify", "PROCESS_STATE", 9 * mib},
	"eventdump":            {"--output %(here)s/events.jsonl", "EVENT", 8 * mib},
	"essential":            {"-p sleep", "PROCESS_STATE", 8 * mib},
	"supervisord_exporter": {"--web.listen-address 127.0.0.1:{{port}} --outbox %(here)s/exporter", "EVENT", 11 * mib},
}

// notListeners are the binaries in cmd/ that supervisord does not run.
var notListeners = map[string]bool{"supervisor-harness": true, "golance": true}

// Every listener binary, idle under the real supervisord 4.2.5 after three
// TICK_5 and the start of five programs, holds at most its ceiling.
func TestIntegrationIdleResidentMemory(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	cmds, err := os.ReadDir("../../../cmd")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if _, ok := idle[c.Name()]; !ok && !notListeners[c.Name()] {
			t.Errorf("cmd/%s is missing from idle: add how it runs and its ceiling", c.Name())
		}
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-o", bin+"/", "github.com/golance/golance/cmd/...")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var sections strings.Builder
	sections.WriteString("[program:sleep]\ncommand=sleep infinity\nnumprocs=5\nprocess_name=%(program_name)s_%(process_num)02d\nstartsecs=0\n\n")
	for name, l := range idle {
		args := strings.ReplaceAll(l.args, "{{port}}", freePort(t))
		fmt.Fprintf(&sections, "[eventlistener:%s]\ncommand=%s %s\nevents=%s\nstartsecs=0\n\n", name, filepath.Join(bin, name), args, l.events)
	}
	sv := supervisord.Start(t, supervisord.Config{Sections: sections.String()})
	sv.WaitLog(t, `(?s)(memmon: BUSY -> ACKNOWLEDGED.*){3}`)
	for name, l := range idle {
		info, err := sv.Client.GetProcessInfo(context.Background(), name)
		if err != nil || info.PID == 0 {
			t.Errorf("%s is not running: %+v, %v", name, info, err)
			continue
		}
		rss, file, err := resident.Of(info.PID)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		t.Logf("%-21s %5.1f MiB resident (%.1f MiB of it file-backed), ceiling %.0f MiB", name, float64(rss)/mib, float64(file)/mib, float64(l.ceiling)/mib)
		if rss > l.ceiling {
			t.Errorf("%s holds %.1f MiB idle, above its %.0f MiB", name, float64(rss)/mib, float64(l.ceiling)/mib)
		}
	}
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}
