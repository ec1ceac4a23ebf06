package docs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/commands"
	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/doctor"
	"github.com/golance/golance/testharness/supervisord"
)

// snippet is one ```ini block of a page.
type snippet struct {
	page string
	n    int
	text string
}

func iniSnippets(t *testing.T) []snippet {
	t.Helper()
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, "../README.md")
	sort.Strings(pages)
	block := regexp.MustCompile("(?s)```ini\n(.*?)```")
	var out []snippet
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range block.FindAllStringSubmatch(string(b), -1) {
			out = append(out, snippet{page: p, n: i + 1, text: m[1]})
		}
	}
	return out
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds every golance binary, and the README's crashlog example,
// once per test run.
func binaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "golance-docs-bin-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", binDir+"/", "../cmd/...", "../examples/crashlog").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// hostPaths are the places on a production host the snippets name; the test
// moves them into its own directory.
var hostPaths = []string{"/etc/golance/", "/var/lib/golance/", "/var/log/supervisor/", "/var/tmp/cores"}

// TestConfigSnippetsRunUnderSupervisord loads every ```ini block of the docs
// into the real supervisord, with the binaries built from this tree, and
// checks that every listener it defines starts and stays up: the docs'
// configuration cannot drift from what the code accepts. The programs the
// snippets show (/srv/app/bin/server, ...) do not exist here; supervisord
// reports them FATAL, and the listeners must take that in their stride.
func TestConfigSnippetsRunUnderSupervisord(t *testing.T) {
	supervisord.Require(t)
	snippets := iniSnippets(t)
	if len(snippets) < 15 {
		t.Fatalf("found only %d ini snippets in the docs", len(snippets))
	}
	bin := binaries(t)
	names := []string{"crashlog"}
	for _, b := range commands.Binaries() {
		names = append(names, b.Name)
	}
	for _, sn := range snippets {
		t.Run(fmt.Sprintf("%s#%d", strings.TrimPrefix(sn.page, "../"), sn.n), func(t *testing.T) {
			t.Parallel()
			runSnippet(t, sn, bin, names)
		})
	}
}

// defaultSendmail matches the command= lines of the binaries that mail
// through sendmail unless told otherwise.
var defaultSendmail = regexp.MustCompile(`(?m)^command=\S*/(?:crashmail|memmon|httpok|ordered-startup) .*(?:-m |crashmail ).*$`)

var listenerSection = regexp.MustCompile(`(?m)^\[eventlistener:([^\]]+)\]`)

func runSnippet(t *testing.T, sn snippet, bin string, binaries []string) {
	dir := t.TempDir()
	text := sn.text
	for _, name := range binaries {
		// command=NAME ... or command=/usr/local/bin/NAME ...
		re := regexp.MustCompile(`(?m)^(command=)(?:/[^ ]*/)?` + regexp.QuoteMeta(name) + `( |$)`)
		text = re.ReplaceAllString(text, "${1}"+filepath.Join(bin, name)+"${2}")
	}
	for _, p := range hostPaths {
		moved := filepath.Join(dir, p)
		if strings.HasSuffix(p, "/") {
			moved += "/"
		}
		text = strings.ReplaceAll(text, p, moved)
	}
	// Secrets the snippets read from files, and a sendmail to pipe into.
	for _, f := range []struct{ path, content string }{
		{"etc/golance/smtp-password", "s3cret\n"},
		{"etc/golance/slack-token", "xoxb-0000-docs-test\n"},
		{"etc/golance/httpok.header", "Authorization: Bearer docs-test\n"},
	} {
		p := filepath.Join(dir, f.path)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(f.content), 0o600))
	}
	for _, d := range []string{"var/lib/golance", "var/log/supervisor", "var/tmp/cores"} {
		must(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	sendmail := filepath.Join(dir, "sendmail")
	must(t, os.WriteFile(sendmail, []byte("#!/bin/sh\ncat >/dev/null\n"), 0o755))
	text = strings.ReplaceAll(text, "/usr/sbin/sendmail", sendmail)
	text = defaultSendmail.ReplaceAllStringFunc(text, func(line string) string {
		// This machine has no /usr/sbin/sendmail, which the binaries use by
		// default and refuse to start without: give them the stand-in.
		if strings.Contains(line, " -s ") || strings.Contains(line, "--sendmail_program") || strings.Contains(line, " -H ") {
			return line
		}
		return line + " -s " + sendmail
	})

	if !regexp.MustCompile(`(?m)^\[[a-z_]+(:[^\]]+)?\]`).MatchString(text) {
		t.Fatalf("%s: an ini block without a section is not a configuration to paste:\n%s", sn.page, sn.text)
	}
	listeners := listenerSection.FindAllStringSubmatch(text, -1)
	sv := supervisord.Start(t, supervisord.Config{Sections: text})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, l := range listeners {
		name := l[1]
		if err := waitRunning(ctx, sv, name); err != nil {
			t.Errorf("%s: listener %s did not reach RUNNING: %v\nsnippet:\n%s\nmain log:\n%s", sn.page, name, err, sn.text, sv.Log())
			return
		}
	}
	// Stay up: a listener that dies on its first events, or breaks the
	// protocol, shows within a couple of seconds.
	time.Sleep(2 * time.Second)
	log := sv.Log()
	for _, l := range listeners {
		name := l[1]
		info, err := sv.Client.GetProcessInfo(ctx, name)
		if err != nil {
			t.Errorf("%s: getProcessInfo(%s): %v", sn.page, name, err)
			continue
		}
		if info.State != listener.StateRunning || strings.Contains(log, "exited: "+name+" ") {
			_, stderr := sv.ChildLogs(t, name)
			errText, _ := os.ReadFile(stderr)
			t.Errorf("%s: listener %s is %s after starting\nstderr:\n%s\nmain log:\n%s", sn.page, name, info.State, errText, log)
		}
		if strings.Contains(log, name+": ACKNOWLEDGED -> UNKNOWN") || strings.Contains(log, name+": READY -> UNKNOWN") ||
			strings.Contains(log, name+": BUSY -> UNKNOWN") {
			t.Errorf("%s: listener %s broke the protocol:\n%s", sn.page, name, log)
		}
	}
}

func waitRunning(ctx context.Context, sv *supervisord.Supervisord, name string) error {
	for {
		info, err := sv.Client.GetProcessInfo(ctx, name)
		if err == nil && info.State == listener.StateRunning {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return err
			}
			return fmt.Errorf("still %s (%s)", info.State, info.Description)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestConfigSnippetsPassTheDoctor holds every ```ini block that defines a
// listener to golance doctor's checks of a file: what the docs show is
// what the doctor calls healthy. A block shows its own sections only; the
// test completes it with the sections every supervisord.conf of the docs
// has around it (a [supervisord], a server and [rpcinterface:supervisor])
// when the block has none of its own.
func TestConfigSnippetsPassTheDoctor(t *testing.T) {
	checked := 0
	for _, sn := range iniSnippets(t) {
		if !listenerSection.MatchString(sn.text) {
			continue
		}
		checked++
		text := sn.text
		if !strings.Contains(text, "[supervisord]") {
			text = "[supervisord]\n\n" + text
		}
		if !strings.Contains(text, "[unix_http_server]") && !strings.Contains(text, "[inet_http_server]") {
			text += "\n[unix_http_server]\nfile=/run/supervisor.sock\n"
		}
		if !strings.Contains(text, "[rpcinterface:supervisor]") {
			text += "\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
		}
		path := filepath.Join(t.TempDir(), "supervisord.conf")
		must(t, os.WriteFile(path, []byte(text), 0o644))
		cfg, err := supervisorconf.Load(path)
		if err != nil {
			t.Errorf("%s#%d: %v", sn.page, sn.n, err)
			continue
		}
		findings, _, err := doctor.Check(cfg, commands.Plugins(), doctor.Inherited{})
		if err != nil {
			t.Errorf("%s#%d: %v", sn.page, sn.n, err)
		}
		for _, f := range findings {
			t.Errorf("%s#%d: golance doctor: %s: %s; fix: %s", sn.page, sn.n, f.Section, f.Problem, f.Fix)
		}
	}
	if checked < 15 {
		t.Fatalf("only %d ini blocks define a listener", checked)
	}
}
