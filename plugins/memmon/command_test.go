package memmon

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/memhog"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/cli/clitest"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"memmon": Main, "memhog": memhog.Main})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	rig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}

// parse runs the command line through memmon's flags and returns the
// config it makes, or the exit status and standard error of a refusal.
func parse(t *testing.T, args ...string) (config, int, string) {
	t.Helper()
	return clitest.Parse(t, newCommand, args...)
}

// superlance's own argument test, unchanged.
func TestSuperlanceCommandLine(t *testing.T) {
	t.Parallel()
	cfg, code, stderr := parse(t, strings.Fields("-c -p foo=50MB -g bar=10kB --any 250 -s mutt -m me@you.com -u 1d -n myproject")...)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !cfg.cumulative || cfg.name != "myproject" || cfg.uptime != 24*time.Hour ||
		cfg.any == nil || *cfg.any != 250 || cfg.metric != procmem.RSS {
		t.Errorf("config %+v", cfg)
	}
	if len(cfg.programs) != 1 || cfg.programs[0] != (limit{"foo", 50 << 20}) || len(cfg.groups) != 1 || cfg.groups[0] != (limit{"bar", 10 << 10}) {
		t.Errorf("limits %+v %+v", cfg.programs, cfg.groups)
	}
	if cfg.mail == nil || !slices.Equal(cfg.mail.To, []string{"me@you.com"}) {
		t.Fatalf("mail %+v", cfg.mail)
	}
	if sm, ok := cfg.mail.Sender.(interface{ Command() string }); !ok || sm.Command() != "mutt" {
		t.Errorf("mailer %#v", cfg.mail.Sender)
	}
}

// superlance mails through sendmail -t, which takes local mailbox names
// and comma-separated lists: so does memmon (issue 16).
func TestRecipientForms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		m    string
		want []string
	}{
		{"root", []string{"root"}},
		{"a@example.com,b@example.org", []string{"a@example.com", "b@example.org"}},
		{"root, ops@example.com", []string{"root", "ops@example.com"}},
	} {
		cfg, code, stderr := parse(t, "-a", "1GB", "-s", "cat", "-m", tt.m)
		if code != cli.ExitOK || cfg.mail == nil || !slices.Equal(cfg.mail.To, tt.want) {
			t.Errorf("-m %q: exit %d, %+v: %s", tt.m, code, cfg.mail, stderr)
		}
	}
	_, code, stderr := parse(t, "-a", "1GB", "--smtpHost", "mail.example.com", "--fromEmail", "me@example.com", "-m", "root")
	if code != cli.ExitUsage || !strings.Contains(stderr, `"root" is a local mailbox name, and SMTP needs full addresses`) {
		t.Errorf("-m root over SMTP: exit %d, %s", code, stderr)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, code, stderr := parse(t, "-p", "web=1GB")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := restart.Policy{Consecutive: 1, Window: time.Hour}
	if cfg.any != nil || cfg.cumulative || cfg.mail != nil || cfg.uptime != noUptimeLimit || cfg.restart.Policy != want {
		t.Errorf("config %+v", cfg)
	}
}

// The run-time limit's flags, alone: no memory limit is needed.
func TestRuntimeFlags(t *testing.T) {
	t.Parallel()
	cfg, code, stderr := parse(t, "--max-runtime", "worker=12h", "--max-runtime=web:web_01=86400", "--max-runtime-action", "stop",
		"--max-runtime-jitter", "30m", "--max-runtime-not-during", "22:00-06:00")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(cfg.runtimes) != 2 || cfg.runtimes[0] != (runtimeLimit{"worker", 12 * time.Hour}) || cfg.runtimes[1] != (runtimeLimit{"web:web_01", 24 * time.Hour}) {
		t.Errorf("runtimes %+v", cfg.runtimes)
	}
	if cfg.runtimeAction != actStop || cfg.runtimeJitter != 30*time.Minute || cfg.notDuring == nil || cfg.notDuring.String() != "22:00-06:00" || cfg.idle() {
		t.Errorf("config %+v", cfg)
	}
	cfg, _, _ = parse(t, "--max-runtime", "worker=10h")
	if cfg.runtimeAction != actRestart || cfg.jitterFor(10*time.Hour) != time.Hour || cfg.notDuring != nil {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestLongFormsAndNewFlags(t *testing.T) {
	t.Parallel()
	cfg, code, stderr := parse(t, "--program=grp:web=1.5G", "--program", "web:web_0?=512m", "--group=workers=2GB", "--any=0",
		"--metric", "PSS", "--consecutive", "3", "--max-restarts=4", "--restart-window=30m", "--cumulative", "--uptime=90m", "--name=x")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(cfg.programs) != 2 || cfg.programs[0] != (limit{"grp:web", 3 << 29}) || cfg.programs[1] != (limit{"web:web_0?", 512 << 20}) {
		t.Errorf("programs %+v", cfg.programs)
	}
	if cfg.any == nil || *cfg.any != 0 || cfg.metric != procmem.PSS || cfg.uptime != 90*time.Minute {
		t.Errorf("config %+v", cfg)
	}
	if cfg.restart.Policy != (restart.Policy{Consecutive: 3, MaxRestarts: 4, Window: 30 * time.Minute}) {
		t.Errorf("policy %+v", cfg.restart.Policy)
	}
}

// Every bad command line gets one line on stderr naming the problem, and
// exit status 2.
func TestBadCommandLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "memmon: nothing to watch: give -p/--program NAME=SIZE, -g/--group GROUP=SIZE or -a/--any SIZE (see memmon --help)"},
		{[]string{"-p", "foo"}, `memmon: invalid -p/--program: "foo" is not NAME=SIZE: write for example web=200MB or web:web_01=1.5GB (see memmon --help)`},
		{[]string{"-p", "foo=lots"}, `memmon: invalid -p/--program: size "lots" is not a number of bytes: write bytes (1048576) or a number with KB, MB or GB (200MB, 1.5GB; K, M, G also work) (see memmon --help)`},
		{[]string{"-p", "a:b:c=1MB"}, `memmon: invalid -p/--program: bad process name "a:b:c": more than one ':' (write name, group:name or group:*) (see memmon --help)`},
		{[]string{"-g", "grp:web=1MB"}, `memmon: invalid -g/--group: "grp:web" is not a group name: give -g GROUP=SIZE without ':' (use -p for group:name) (see memmon --help)`},
		{[]string{"-a", "1TB"}, `memmon: invalid -a/--any: size "1TB" is not a number of bytes: write bytes (1048576) or a number with KB, MB or GB (200MB, 1.5GB; K, M, G also work) (see memmon --help)`},
		{[]string{"-a", "1GB", "-u", "1w"}, `memmon: invalid -u/--uptime: time "1w" is not whole seconds: write 3600, or a whole number with s, m, h or d (90m, 12h, 1d) (see memmon --help)`},
		{[]string{"-a", "1GB", "--metric", "vsz"}, `memmon: invalid --metric: unknown memory metric "vsz": use rss, pss or uss (see memmon --help)`},
		{[]string{"-a", "1GB", "--consecutive", "0"}, `memmon: --consecutive must be 1 or more, got 0 (see memmon --help)`},
		{[]string{"-a", "1GB", "-m", "ops@example.com", "-s", "/nonexistent/sendmail -t"}, `memmon: sendmail program /nonexistent/sendmail not found; install it or set --sendmail_program (see memmon --help)`},
		{[]string{"--max-runtime", "worker"}, `memmon: invalid --max-runtime: "worker" is not NAME=SECS: write for example worker=12h or web:web_01=86400 (see memmon --help)`},
		{[]string{"--max-runtime", "worker=1h", "--max-runtime-action", "kill"}, `memmon: invalid --max-runtime-action: unknown action "kill": use restart or stop (see memmon --help)`},
		{[]string{"--max-runtime", "worker=1h", "--max-runtime-not-during", "8-20"}, `memmon: invalid --max-runtime-not-during: "8-20" is not a time window: write HH:MM-HH:MM in local time, such as 08:00-20:00 (or 22:00-06:00 across midnight) (see memmon --help)`},
		{[]string{"-a", "1GB", "--max-runtime-action", "stop"}, `memmon: --max-runtime-action, --max-runtime-jitter and --max-runtime-not-during apply to --max-runtime limits: give --max-runtime NAME=SECS too (see memmon --help)`},
		{[]string{"-a", "1GB", "extra"}, `memmon: unexpected argument "extra": memmon takes only flags (see memmon --help)`},
	}
	for _, tt := range tests {
		_, code, stderr := parse(t, tt.args...)
		if code != cli.ExitUsage || stderr != tt.want+"\n" {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant:\n%s", tt.args, code, stderr, tt.want)
		}
	}
}
