package httpok

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/memhog"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/cli/clitest"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"httpok": Main, "memhog": memhog.Main, "webserve": webserve})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	rig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}

// parse runs the command line through httpok's flags and returns the
// config it makes, or the exit status and standard error of a refusal.
func parse(t *testing.T, args ...string) (config, int, string) {
	t.Helper()
	return clitest.Parse(t, newCommand, args...)
}

func TestSuperlanceCommandLine(t *testing.T) {
	t.Parallel()
	cfg, code, stderr := parse(t, strings.Fields("-p foo -p bar:baz -t 60 -c 200 -c 201 -b ok -s mutt -m me@you.com -g /bin/gcore -d /tmp/cores -E -n thinko http://localhost:8080/health?deep=1")...)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Join(cfg.selector.Specs(), ",") != "foo,bar:baz" || cfg.timeout != time.Minute || len(cfg.codes) != 2 || cfg.codes[1] != 201 ||
		cfg.body != "ok" || cfg.gcore != "/bin/gcore" || cfg.coreDir != "/tmp/cores" || !cfg.notEager ||
		cfg.name != "thinko" || cfg.url != "http://localhost:8080/health?deep=1" || cfg.selector.Any() || cfg.insecure {
		t.Errorf("config %+v", cfg)
	}
	if cfg.mail == nil || !slices.Equal(cfg.mail.To, []string{"me@you.com"}) {
		t.Fatalf("mail %+v", cfg.mail)
	}
	if sm, ok := cfg.mail.Sender.(interface{ Command() string }); !ok || sm.Command() != "mutt" {
		t.Errorf("mailer %#v", cfg.mail.Sender)
	}
}

// superlance mails through sendmail -t, which takes local mailbox names
// and comma-separated lists: so does httpok (issue 16).
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
		cfg, code, stderr := parse(t, "-p", "web", "-s", "cat", "-m", tt.m, "http://x/")
		if code != cli.ExitOK || cfg.mail == nil || !slices.Equal(cfg.mail.To, tt.want) {
			t.Errorf("-m %q: exit %d, %+v: %s", tt.m, code, cfg.mail, stderr)
		}
	}
	_, code, stderr := parse(t, "-p", "web", "--smtpHost", "mail.example.com", "--fromEmail", "me@example.com", "-m", "root", "http://x/")
	if code != cli.ExitUsage || !strings.Contains(stderr, `"root" is a local mailbox name, and SMTP needs full addresses`) {
		t.Errorf("-m root over SMTP: exit %d, %s", code, stderr)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, code, stderr := parse(t, "-a", "http://[::1]:8080/")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !cfg.selector.Any() || cfg.timeout != defaultTimeout || len(cfg.codes) != 0 || cfg.notEager || cfg.gcore != defaultGcore || cfg.coreDir != "" ||
		cfg.mail != nil || cfg.restart.Policy != (restart.Policy{Consecutive: 1, Window: time.Hour}) {
		t.Errorf("config %+v", cfg)
	}
	if cfg, _, _ := parse(t, "-a", "-t", "0", "http://x/"); cfg.timeout != zeroTimeout {
		t.Errorf("-t 0 gives %v", cfg.timeout)
	}
}

// -e and -E set one switch: the last given wins, as in superlance.
func TestEagerLastWins(t *testing.T) {
	t.Parallel()
	for args, notEager := range map[string]bool{
		"":                 false,
		"-E":               true,
		"-e":               false,
		"-e -E":            true,
		"-E -e":            false,
		"--not-eager -e":   false,
		"-e --not-eager":   true,
		"-E --eager=false": true,
	} {
		cfg, code, stderr := parse(t, append(strings.Fields(args), "-p", "web", "http://x/")...)
		if code != cli.ExitOK || cfg.notEager != notEager {
			t.Errorf("%q: exit %d, notEager %v, want %v; %s", args, code, cfg.notEager, notEager, stderr)
		}
	}
}

func TestBadCommandLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-p", "web"}, "httpok: missing URL: give the URL to check, e.g. httpok -p web http://localhost:8080/health (see httpok --help)"},
		{[]string{"-p", "web", "http://a/", "http://b/"}, `httpok: httpok checks exactly one URL, got 2 arguments: ["http://a/" "http://b/"]; run one httpok per URL (see httpok --help)`},
		{[]string{"-p", "web", "localhost:8080/health"}, `httpok: bad URL "localhost:8080/health": scheme localhost is neither http nor https: write http://host[:port]/path or https://host[:port]/path (see httpok --help)`},
		{[]string{"-p", "web", "/health"}, `httpok: bad URL "/health": no scheme: write http://host[:port]/path or https://host[:port]/path (see httpok --help)`},
		{[]string{"-p", "web", "ftp://x/"}, `httpok: bad URL "ftp://x/": scheme ftp is neither http nor https: write http://host[:port]/path or https://host[:port]/path (see httpok --help)`},
		{[]string{"-p", "web", "http:///x"}, `httpok: bad URL "http:///x": no host: write http://host[:port]/path or https://host[:port]/path (see httpok --help)`},
		{[]string{"-p", "web", "http://[::1/"}, `httpok: bad URL "http://[::1/": missing ']' in host: write http://host[:port]/path or https://host[:port]/path (see httpok --help)`},
		{[]string{"-p", "web", "ftp://ops:s3cr3t@x/"}, `httpok: bad URL "ftp://ops:xxxxx@x/": scheme ftp is neither http nor https: write http://host[:port]/path or https://host[:port]/path (see httpok --help)`},
		{[]string{"-p", "web", "http://ops:s3cr3t%zz@x/health"}, `httpok: bad URL "http://xxxxx@x/health": malformed (the user:password@ part is left out here): write http://host[:port]/path or https://host[:port]/path (see httpok --help)`},
		{[]string{"-p", "web", "-t", "ten", "http://x/"}, `httpok: -t/--timeout "ten" is not a whole number: write digits only, e.g. -t 10 (see httpok --help)`},
		{[]string{"-p", "web", "-t", "-1", "http://x/"}, `httpok: -t/--timeout must be 0 or more seconds, got -1 (see httpok --help)`},
		{[]string{"-p", "web", "-c", "2000", "http://x/"}, `httpok: -c/--code 2000 is not an HTTP status: give a number from 100 to 599 (see httpok --help)`},
		{[]string{"-p", "a:b:c", "http://x/"}, `httpok: invalid -p/--program: bad process name "a:b:c": more than one ':' (write name, group:name or group:*) (see httpok --help)`},
		{[]string{"-p", "web,db", "http://x/"}, `httpok: invalid -p/--program: bad process name "web,db": one name per flag; repeat -p for each process (-p web -p db) (see httpok --help)`},
		{[]string{"-p", "web", "--max-restarts", "-2", "http://x/"}, `httpok: --max-restarts must be 0 (no limit) or more, got -2 (see httpok --help)`},
		{[]string{"-p", "web", "-m", "ops@example.com", "-s", "/nonexistent/sendmail", "http://x/"}, `httpok: sendmail program /nonexistent/sendmail not found; install it or set --sendmail_program (see httpok --help)`},
	}
	for _, tt := range tests {
		_, code, stderr := parse(t, tt.args...)
		if code != cli.ExitUsage || stderr != tt.want+"\n" {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant:\n%s", tt.args, code, stderr, tt.want)
		}
	}
}

func TestCredentialFlags(t *testing.T) {
	t.Parallel()
	cfg, code, stderr := parse(t, "-p", "web", "--auth-file", "/etc/httpok/auth", "--header-file", "/etc/httpok/header", "http://x/")
	if code != cli.ExitOK || cfg.authFile != "/etc/httpok/auth" || cfg.headerFile != "/etc/httpok/header" {
		t.Fatalf("exit %d, %s, config %+v", code, stderr, cfg)
	}
}
