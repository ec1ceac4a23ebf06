// Command demo is `make demo`: it starts a real supervisord with every
// golance listener at work on this machine, with no accounts and no network,
// and prints a live summary of what each one does.
//
//	ordered-startup  starts db-migrate, then cache (after its startsecs), then api
//	crashmail        mails each crash of payment-worker into a local mailbox file
//	crashmailbatch   mails payment-worker's crashes in batches, every 15 seconds
//	crashsms         texts the same crashes, short enough for an SMS gateway
//	fatalmailbatch   mails that nightly-report could not be started (FATAL)
//	memmon           restarts report-builder when it grows past 60 MB
//	httpok           restarts web when its health check starts failing
//	slack-notify     prints the Slack messages it would post (--dry-run)
//	eventdump        records every event in events.jsonl
//	supervisord_exporter  serves metrics and a status page, and posts an
//	                 alert about payment-worker to an Alertmanager stand-in
//
// At the start, golance doctor checks the configuration supervisord runs
// (tools.go). Once supervisord has stopped, supervisor-harness plays a
// scenario of crashes with crashmail under its emulated supervisord, as a
// listener is tested before it is deployed. essential comes last, with a
// supervisord of its own (essential.go), since its one act, shutting
// supervisord down when an essential program fails, ends it: supervisord
// under essential run, an essential program that goes FATAL, and essential
// run's exit code 69. Ctrl-C stops supervisord and
// every process it started, and prints where the logs are. The same binary
// plays the demo's programs (demo role ...).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/golance/golance/testharness/supervisord"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "role" {
		os.Exit(role(os.Args[2], os.Args[3:]))
	}
	bin := flag.String("bin", "bin", "directory holding the golance binaries (make build)")
	dir := flag.String("dir", "", "directory for the configuration and logs (default: a new one under /tmp)")
	until := flag.Bool("until-all-acted", false, "stop by itself once every plugin has acted (for tests)")
	timeout := flag.Duration("timeout", 0, "stop by itself after this long (0: run until Ctrl-C)")
	flag.Parse()
	if err := run(*bin, *dir, *until, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// plugins are the listeners the demo shows, in the order the summary's
// closing report lists them.
var plugins = []string{"ordered-startup", "crashmail", "crashmailbatch", "crashsms", "fatalmailbatch", "memmon", "httpok", "slack-notify", "eventdump", "supervisord_exporter"}

func run(bin, dir string, untilAllActed bool, timeout time.Duration) error {
	path, err := findSupervisord()
	if err != nil {
		return err
	}
	bin, err = filepath.Abs(bin)
	if err != nil {
		return err
	}
	for _, p := range append(plugins, "essential", "golance", "supervisor-harness") {
		if _, err := os.Stat(filepath.Join(bin, p)); err != nil {
			return fmt.Errorf("%s is missing from %s: run `make build` first (make demo does)", p, bin)
		}
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "golance-demo-"); err != nil {
			return err
		}
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	sections, err := writeFiles(dir, bin, self, ports)
	if err != nil {
		return err
	}
	// The Alertmanager stand-in records what the exporter posts to it.
	alerts, err := serveAlerts(ports[2], filepath.Join(dir, "alerts.jsonl"))
	if err != nil {
		return err
	}
	defer alerts.Close()

	// The launcher makes this process the reaper of supervisord's orphans
	// and kills whatever outlives supervisord, so nothing outlives the
	// demo. supervisord gets a process group of its own: Ctrl-C in the
	// terminal reaches the demo only, which then stops supervisord.
	sv, err := supervisord.New(context.Background(), dir, supervisord.Config{
		Binary:      path,
		Identifier:  "golance-demo",
		LogLevel:    "info",
		ChildLogDir: filepath.Join(dir, "logs"),
		Sections:    sections,
		StopTimeout: 30 * time.Second,
	})
	if err != nil {
		return err
	}
	defer sv.Stop()
	exited := make(chan error, 1)
	go func() { exited <- sv.Wait(context.Background()) }()

	fmt.Printf("golance demo: supervisord %s (pid %d) with configuration %s\n", version(path), sv.PID, sv.ConfigPath)
	fmt.Printf("Everything happens on this machine. Watch for a minute; Ctrl-C stops it all.\n")
	fmt.Printf("Every listener binary is at work; then supervisor-harness tests one without supervisord, and\n" +
		"essential's turn, which ends a supervisord, comes last, with one of its own.\n")
	fmt.Printf("supervisord_exporter's status page: http://127.0.0.1:%d/ (metrics at /metrics)\n", ports[1])
	fmt.Printf("golance doctor checks the configuration supervisord runs, and supervisord itself:\n")
	if err := doctor(bin, sv.ConfigPath); err != nil {
		return err
	}
	fmt.Println()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	var deadline <-chan time.Time
	if timeout > 0 {
		deadline = time.After(timeout)
	}
	w := newWatcher(dir)
	w.metricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[1])
	ticker := time.NewTicker(250 * time.Millisecond)
	defer ticker.Stop()
	reason := ""
loop:
	for {
		select {
		case <-ticker.C:
			w.poll()
			if untilAllActed && w.allActed() {
				reason = "every plugin has acted"
				break loop
			}
		case <-stop:
			fmt.Println()
			reason = "interrupted"
			break loop
		case <-deadline:
			reason = "time is up"
			break loop
		case err := <-exited:
			w.poll()
			return fmt.Errorf("supervisord exited on its own (%v); see %s", err, sv.OutputPath)
		}
	}
	w.poll()
	w.stopping = true
	fmt.Printf("\nStopping (%s): supervisord stops every program and listener...\n", reason)
	stopErr := sv.Stop()
	w.poll()
	fmt.Println()
	w.report()
	if left := sv.Swept(); left == 0 {
		fmt.Println("No process was left behind.")
	} else {
		fmt.Printf("%d leftover process(es) had to be killed.\n", left)
	}
	harnessErr := harnessScene(bin, dir)
	sceneErr := essentialScene(path, bin, self, dir, stop)
	fmt.Println()
	fmt.Printf("Logs are in %s:\n", dir)
	fmt.Printf("  supervisord.log     supervisord's main log\n")
	fmt.Printf("  logs/<name>.log     each program's and listener's output\n")
	fmt.Printf("  mailbox             the mail crashmail and the batch mailers sent (through the sendmail stand-in deliver-mail)\n")
	fmt.Printf("  events.jsonl        every event, as eventdump wrote it\n")
	fmt.Printf("  alerts.jsonl        the alerts supervisord_exporter posted to the Alertmanager stand-in\n")
	fmt.Printf("  harness/            supervisor-harness's scenario\n")
	fmt.Printf("  essential/          essential's scene: its supervisord.log and logs/\n")
	if stopErr != nil {
		return fmt.Errorf("stopping supervisord: %w", stopErr)
	}
	if harnessErr != nil {
		return harnessErr
	}
	if sceneErr != nil {
		return fmt.Errorf("essential's scene: %w", sceneErr)
	}
	if untilAllActed && !w.allActed() {
		return fmt.Errorf("not every plugin acted: %s", strings.Join(w.missing(), ", "))
	}
	return nil
}

// findSupervisord returns supervisord from PATH, installing Debian's
// package first when it is missing and this user may.
func findSupervisord() (string, error) {
	if p, err := supervisord.Lookup(); err == nil {
		return p, nil
	}
	const install = "apt-get update && apt-get install -y supervisor"
	var prefix []string
	switch {
	case os.Geteuid() == 0:
	case exec.Command("sudo", "-n", "true").Run() == nil:
		prefix = []string{"sudo"}
	default:
		return "", fmt.Errorf("supervisord is not installed; install it with:\n\n    sudo sh -c '%s'\n\nthen run make demo again", install)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", errors.New("supervisord is not installed and this is not a Debian-like system: install supervisor with your package manager (or pip install supervisor), then run make demo again")
	}
	fmt.Printf("supervisord is not installed: running %s%s\n", strings.Join(append(prefix, ""), " "), install)
	for _, args := range [][]string{{"apt-get", "update"}, {"apt-get", "install", "-y", "supervisor"}} {
		cmd := exec.Command(append(prefix, args...)[0], append(prefix, args...)[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("installing supervisor failed (%v); install it yourself with: sudo sh -c '%s'", err, install)
		}
	}
	// Lookup remembers its first answer; the new package is in PATH now.
	return exec.LookPath("supervisord")
}

func version(supervisord string) string {
	b, err := exec.Command(supervisord, "--version").Output()
	if err != nil {
		return "(version unknown)"
	}
	return strings.TrimSpace(string(b))
}

// freePorts returns n TCP ports on the loopback interface nobody listens
// on.
func freePorts(n int) ([]int, error) {
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// sectionsTemplate is the demo's part of supervisord.conf; the launcher
// writes the [supervisord], server and [rpcinterface] sections around it.
var sectionsTemplate = template.Must(template.New("conf").Parse(`; Every program and listener below runs on this machine; nothing needs an
; account or the network.

; --- the listeners (each with its own priority: supervisord puts an event
; one listener rejects back into every pool of the same priority; a
; buffer_size of 100, as their docs recommend: at start-up supervisord
; queues a burst of events faster than a listener's first READY; and
; stdout_logfile=NONE: a listener's stdout is the protocol, which
; supervisord's default AUTO would copy into a file) ---

[eventlistener:ordered-startup]
command={{.Bin}}/ordered-startup --configuration %(here)s/supervisord.conf --timeout 1m
events=PROCESS_STATE,PROCESS_GROUP,TICK_5
buffer_size=100
priority=-60
stderr_logfile=%(here)s/logs/ordered-startup.log
stdout_logfile=NONE

[eventlistener:crashmail]
command={{.Bin}}/crashmail -p payment-worker -m ops@example.com -o "[demo]" -s %(here)s/deliver-mail --tail-lines 3
events=PROCESS_STATE_EXITED
buffer_size=100
priority=-50
stderr_logfile=%(here)s/logs/crashmail.log
stdout_logfile=NONE

[eventlistener:crashmailbatch]
command={{.Bin}}/crashmailbatch --program payment-worker -t ops@example.com -f demo@example.com --sendmail_program %(here)s/deliver-mail -e TICK_5 -i 0.25
events=PROCESS_STATE_EXITED,TICK_5
buffer_size=100
priority=-49
stderr_logfile=%(here)s/logs/crashmailbatch.log
stdout_logfile=NONE

[eventlistener:crashsms]
command={{.Bin}}/crashsms --program payment-worker -t 5550100@sms.example.com -f demo@example.com --sendmail_program %(here)s/deliver-mail -e TICK_5 -i 0.25
events=PROCESS_STATE_EXITED,TICK_5
buffer_size=100
priority=-48
stderr_logfile=%(here)s/logs/crashsms.log
stdout_logfile=NONE

[eventlistener:fatalmailbatch]
command={{.Bin}}/fatalmailbatch -t ops@example.com -f demo@example.com --sendmail_program %(here)s/deliver-mail -e TICK_5 -i 0.25
events=PROCESS_STATE_FATAL,TICK_5
buffer_size=100
priority=-47
stderr_logfile=%(here)s/logs/fatalmailbatch.log
stdout_logfile=NONE

[eventlistener:memmon]
command={{.Bin}}/memmon -p report-builder=60MB
events=TICK_5
buffer_size=100
priority=-40
stderr_logfile=%(here)s/logs/memmon.log
stdout_logfile=NONE

[eventlistener:httpok]
command={{.Bin}}/httpok -p web -t 2 --max-restarts 3 --restart-window 10m http://127.0.0.1:{{.WebPort}}/health
events=TICK_5
buffer_size=100
priority=-30
stderr_logfile=%(here)s/logs/httpok.log
stdout_logfile=NONE

[eventlistener:slack-notify]
command={{.Bin}}/slack-notify --dry-run -p payment-worker -p web --stderr-lines 3
events=PROCESS_STATE,TICK_60
buffer_size=100
priority=-20
stderr_logfile=%(here)s/logs/slack-notify.log
stdout_logfile=NONE

[eventlistener:supervisord_exporter]
command={{.Bin}}/supervisord_exporter --web.listen-address 127.0.0.1:{{.ExporterPort}} --sample-interval 2s --alertmanager.url http://127.0.0.1:{{.AlertPort}} --outbox %(here)s/outbox -p payment-worker
events=PROCESS_STATE,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE,TICK_5
buffer_size=100
priority=-15
stderr_logfile=%(here)s/logs/supervisord_exporter.log
stdout_logfile=NONE

[eventlistener:eventdump]
command={{.Bin}}/eventdump --output %(here)s/events.jsonl
events=EVENT
buffer_size=200
priority=-10
stderr_logfile=%(here)s/logs/eventdump.log
stdout_logfile=NONE

; --- an ordered start: db-migrate must exit 0, then cache must be RUNNING
; (after its startsecs), then api starts ---

[program:db-migrate]
command={{.Self}} role db-migrate
autostart=false
autorestart=false
startsecs=0
startinorder=true
startnextafter=exited
priority=100
stdout_logfile=%(here)s/logs/db-migrate.log
redirect_stderr=true

[program:cache]
command={{.Self}} role idle cache
autostart=false
startsecs=3
startinorder=true
priority=200
stdout_logfile=%(here)s/logs/cache.log
redirect_stderr=true

; api ends the chain: without startinorder it starts nothing after it.
[program:api]
command={{.Self}} role idle api
autostart=false
priority=300
stdout_logfile=%(here)s/logs/api.log
redirect_stderr=true

; --- a worker that crashes every few seconds ---

[program:payment-worker]
command={{.Self}} role crasher
startsecs=1
stdout_logfile=%(here)s/logs/payment-worker.log
stderr_logfile=%(here)s/logs/payment-worker.err.log

; --- a job that cannot start: supervisord gives up on it (FATAL) ---

[program:nightly-report]
command={{.Self}} role broken
startsecs=1
startretries=1
stdout_logfile=%(here)s/logs/nightly-report.log
redirect_stderr=true

; --- a process whose memory keeps growing ---

[program:report-builder]
command={{.Self}} role hog
stdout_logfile=%(here)s/logs/report-builder.log
redirect_stderr=true

; --- a web service that turns unhealthy after a while ---

[program:web]
command={{.Self}} role flaky-web {{.WebPort}}
stdout_logfile=%(here)s/logs/web.log
redirect_stderr=true
`))

// writeFiles writes the sendmail stand-in into dir and returns the
// demo's sections of supervisord.conf.
func writeFiles(dir, bin, self string, ports []int) (string, error) {
	var sections strings.Builder
	if err := sectionsTemplate.Execute(&sections, map[string]any{"Bin": bin, "Self": self,
		"WebPort": ports[0], "ExporterPort": ports[1], "AlertPort": ports[2]}); err != nil {
		return "", err
	}
	// crashmail pipes each mail into its -s program, as into sendmail.
	deliver := "#!/bin/sh\n# A sendmail stand-in: append the mail on stdin to the mailbox file.\n" +
		"{ cat; printf '\\n\\n'; } >> \"$(dirname \"$0\")/mailbox\"\n"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "deliver-mail"), []byte(deliver), 0o755); err != nil {
		return "", err
	}
	return sections.String(), nil
}

// watcher turns the files the demo's processes write into summary lines.
type watcher struct {
	dir     string
	start   time.Time
	offsets map[string]int64
	partial map[string]string
	acted   map[string]string // plugin -> first thing it did
	events  int
	lastEv  time.Time
	// metricsURL is supervisord_exporter's; the summary shows its
	// crash counter for payment-worker when it changes.
	metricsURL  string
	lastScrape  time.Time
	lastCrashes string
	// stopping is set once the demo stops supervisord, which stops web
	// before httpok: its failed checks then are the demo's own doing.
	stopping bool
}

// stampLayout is the time stamp supervisord and golance's binaries start
// their lines with.
const stampLayout = "2006-01-02 15:04:05,000"

// entry is a summary line waiting to be printed, at the time its source
// line was written.
type entry struct {
	at       time.Time
	who, say string
}

func newWatcher(dir string) *watcher {
	return &watcher{dir: dir, start: time.Now(), offsets: map[string]int64{}, partial: map[string]string{}, acted: map[string]string{}}
}

// rule turns a line of one file into a summary line; ok is false for lines
// not worth showing.
type rule func(line string) (summary string, acted bool, ok bool)

var (
	spawnedRe = regexp.MustCompile(`INFO spawned: '([^']+)' with pid (\d+)`)
	successRe = regexp.MustCompile(`INFO success: (\S+) entered RUNNING`)
	exitedRe  = regexp.MustCompile(`(?:INFO|WARN) exited: (\S+) \(exit status (\d+); (not expected|expected)\)`)
	stoppedRe = regexp.MustCompile(`(?:INFO|WARN) stopped: (\S+) \(([^)]*)\)`)
	fatalRe   = regexp.MustCompile(`INFO gave up: (\S+) entered FATAL state, (.*)`)
	// levelRe is the stamp golance's binaries start their lines with, as
	// supervisord starts its own.
	levelRe = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?:BLAT|TRAC|DEBG|INFO|WARN|ERRO|CRIT) `)
	rssRe   = regexp.MustCompile(`^RSS of (\S+) is (\d+)$`)
)

// batchRule shows what a batch mailer queues and delivers.
func batchRule(l string) (string, bool, bool) {
	switch {
	case strings.HasPrefix(l, "delivered to "):
		return l + " (see mailbox)", true, true
	case strings.HasPrefix(l, "queued a batch of "), strings.Contains(l, " undelivered: "):
		return l, false, true
	}
	return "", false, false
}

func isListener(name string) bool {
	for _, p := range plugins {
		if p == name {
			return true
		}
	}
	return false
}

func (w *watcher) rules() map[string]rule {
	return map[string]rule{
		"supervisord.log": func(l string) (string, bool, bool) {
			if m := spawnedRe.FindStringSubmatch(l); m != nil && !isListener(m[1]) {
				return fmt.Sprintf("started %s (pid %s)", m[1], m[2]), false, true
			}
			if m := successRe.FindStringSubmatch(l); m != nil && !isListener(m[1]) {
				return m[1] + " is RUNNING", false, true
			}
			if m := exitedRe.FindStringSubmatch(l); m != nil {
				return fmt.Sprintf("%s exited with status %s (%s)", m[1], m[2], m[3]), false, true
			}
			if m := fatalRe.FindStringSubmatch(l); m != nil {
				return fmt.Sprintf("gave up starting %s: %s", m[1], m[2]), false, true
			}
			if m := stoppedRe.FindStringSubmatch(l); m != nil && !isListener(m[1]) {
				return fmt.Sprintf("%s stopped (%s)", m[1], m[2]), false, true
			}
			return "", false, false
		},
		"logs/ordered-startup.log": func(l string) (string, bool, bool) {
			switch {
			case strings.HasPrefix(l, "starting "), strings.HasPrefix(l, "startup complete"):
				return l, true, true
			case strings.HasPrefix(l, "layer "), strings.Contains(l, "not in its exitcodes"), strings.Contains(l, "did not reach"):
				return l, false, true
			}
			return "", false, false
		},
		"logs/crashmail.log": func(l string) (string, bool, bool) {
			switch {
			case strings.HasPrefix(l, "delivered to "):
				return l + " (see mailbox)", true, true
			case strings.HasPrefix(l, "unexpected exit of "), strings.HasPrefix(l, "could not mail"), strings.Contains(l, " undelivered: "):
				return l, false, true
			}
			return "", false, false
		},
		"logs/crashmailbatch.log": batchRule,
		"logs/crashsms.log":       batchRule,
		"logs/fatalmailbatch.log": batchRule,
		"logs/memmon.log": func(l string) (string, bool, bool) {
			if m := rssRe.FindStringSubmatch(l); m != nil {
				return "", false, false // every tick; too chatty for a summary
			}
			switch {
			case strings.HasPrefix(l, "Restarting "), strings.HasSuffix(l, " restarted"), strings.HasPrefix(l, "Not restarting"), strings.HasPrefix(l, "Failed to"):
				return l, strings.HasSuffix(l, " restarted"), true
			}
			return "", false, false
		},
		"logs/httpok.log": func(l string) (string, bool, bool) {
			switch {
			case strings.HasPrefix(l, "error contacting"), strings.HasPrefix(l, "status contacting"):
				if w.stopping {
					// web stops with everything else: not a failure.
					return "", false, false
				}
				return "health check failed: " + l, false, true
			case strings.HasSuffix(l, " restarted"):
				return l, true, true
			case strings.Contains(l, "restart budget spent"), strings.HasPrefix(l, "Failed to"):
				return l, false, true
			}
			return "", false, false
		},
		"logs/supervisord_exporter.log": func(l string) (string, bool, bool) {
			if strings.HasPrefix(l, "alert ") {
				return l, false, true
			}
			return "", false, false
		},
		"alerts.jsonl": func(l string) (string, bool, bool) {
			var posted []struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
				EndsAt      time.Time         `json:"endsAt"`
			}
			if json.Unmarshal([]byte(l), &posted) != nil || len(posted) == 0 {
				return "", false, false
			}
			a := posted[0]
			state := "firing"
			if a.EndsAt.Before(time.Now()) {
				state = "resolved"
			}
			return fmt.Sprintf("Alertmanager got %s %s (host %s): %s", a.Labels["alertname"], state, a.Labels["host"], a.Annotations["summary"]), true, true
		},
		"logs/slack-notify.log": func(l string) (string, bool, bool) {
			var post struct {
				Method  string `json:"method"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			}
			if strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &post) == nil {
				text := post.Message.Text
				if i := strings.IndexByte(text, '\n'); i >= 0 {
					text = text[:i]
				}
				return fmt.Sprintf("would post (%s): %s", post.Method, text), true, true
			}
			return "", false, false
		},
	}
}

// poll reads what each file gained since the last call and prints it,
// the lines of all the files in the order they were written, so that a
// crash reads before what the listeners did about it.
func (w *watcher) poll() {
	rules := w.rules()
	names := make([]string, 0, len(rules))
	for n := range rules {
		names = append(names, n)
	}
	sort.Strings(names)
	now := time.Now()
	var entries []entry
	for _, name := range names {
		for _, line := range w.newLines(name) {
			at := now
			if len(line) >= len(stampLayout) {
				if t, err := time.ParseInLocation(stampLayout, line[:len(stampLayout)], time.Local); err == nil {
					at = t
				}
			}
			if strings.HasPrefix(name, "logs/") {
				line = levelRe.ReplaceAllString(line, "")
			}
			summary, acted, ok := rules[name](line)
			if !ok {
				continue
			}
			who := strings.TrimSuffix(strings.TrimPrefix(name, "logs/"), ".log")
			if name == "alerts.jsonl" {
				who = "supervisord_exporter"
			}
			entries = append(entries, entry{at, who, summary})
			if acted {
				if _, seen := w.acted[who]; !seen {
					w.acted[who] = summary
				}
			}
		}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].at.Before(entries[j].at) })
	for _, e := range entries {
		w.sayAt(e.at, e.who, e.say)
	}
	w.scrape()
	// eventdump: report the count now and then rather than every event.
	n := len(w.newLines("events.jsonl"))
	w.events += n
	if n > 0 && time.Since(w.lastEv) > 10*time.Second {
		w.say("eventdump", fmt.Sprintf("%d events recorded so far in events.jsonl", w.events))
		w.lastEv = time.Now()
		if _, seen := w.acted["eventdump"]; !seen {
			w.acted["eventdump"] = "recorded events"
		}
	}
}

func (w *watcher) say(who, what string) { w.sayAt(time.Now(), who, what) }

// sayAt prints a summary line stamped with how long after the start at
// was; a stamp of a second's precision can fall just before the start.
func (w *watcher) sayAt(at time.Time, who, what string) {
	elapsed := max(at.Sub(w.start), 0).Truncate(time.Second)
	fmt.Printf("%6s  %-15s  %s\n", elapsed, who, what)
}

// newLines returns the complete lines appended to a file since last time.
func (w *watcher) newLines(name string) []string {
	f, err := os.Open(filepath.Join(w.dir, name))
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(w.offsets[name], io.SeekStart); err != nil {
		return nil
	}
	b, err := io.ReadAll(f)
	if err != nil || len(b) == 0 {
		return nil
	}
	w.offsets[name] += int64(len(b))
	text := w.partial[name] + string(b)
	lines := strings.Split(text, "\n")
	w.partial[name] = lines[len(lines)-1]
	return lines[:len(lines)-1]
}

func (w *watcher) allActed() bool { return len(w.missing()) == 0 }

func (w *watcher) missing() []string {
	var out []string
	for _, p := range plugins {
		if _, ok := w.acted[p]; !ok {
			out = append(out, p)
		}
	}
	return out
}

func (w *watcher) report() {
	fmt.Println("What each plugin did first:")
	for _, p := range plugins {
		if what, ok := w.acted[p]; ok {
			fmt.Printf("  %-15s  %s\n", p, what)
		} else {
			fmt.Printf("  %-15s  (nothing yet: give the demo a minute)\n", p)
		}
	}
	fmt.Println()
}

// role runs one of the demo's programs.
func role(name string, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	switch name {
	case "db-migrate":
		fmt.Println("applying migrations 001..003")
		time.Sleep(time.Second)
		fmt.Println("migrations applied")
		return 0
	case "no-database":
		fmt.Println("shop: cannot reach its database at db:5432")
		return 3
	case "broken":
		fmt.Println("nightly-report: cannot open /srv/reports: no such directory")
		return 1
	case "idle":
		fmt.Println(args[0], "ready")
		<-ctx.Done()
		return 0
	case "crasher":
		fmt.Println("payment-worker: processing payments")
		select {
		case <-time.After(5 * time.Second):
		case <-ctx.Done():
			return 0
		}
		fmt.Fprintln(os.Stderr, "payment-worker: lost the connection to the payment gateway")
		fmt.Fprintln(os.Stderr, "payment-worker: giving up")
		return 3
	case "hog":
		// Grow by 8 MB a second, touching every page so that it is resident.
		var held [][]byte
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b := make([]byte, 8<<20)
				for i := range b {
					b[i] = byte(i)
				}
				held = append(held, b)
				fmt.Printf("report-builder: holding %d MB\n", 8*len(held))
			case <-ctx.Done():
				return 0
			}
		}
	case "flaky-web":
		return flakyWeb(ctx, args[0])
	}
	fmt.Fprintln(os.Stderr, "unknown role", name)
	return 2
}

// scrape shows, every few seconds, what Prometheus would read from
// supervisord_exporter: payment-worker's crashes, counted from events.
func (w *watcher) scrape() {
	if w.metricsURL == "" || time.Since(w.lastScrape) < 3*time.Second {
		return
	}
	w.lastScrape = time.Now()
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(w.metricsURL)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, `supervisord_process_exits_total{expected="false",group="payment-worker"`) && line != w.lastCrashes {
			w.lastCrashes = line
			w.say("supervisord_exporter", "metrics: "+line)
		}
	}
}

// serveAlerts is the demo's Alertmanager stand-in: it appends each post
// to Alertmanager's v2 API to path, one JSON array per line.
func serveAlerts(port int, path string) (*http.Server, error) {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var alerts []json.RawMessage
		if r.Method != http.MethodPost || r.URL.Path != "/api/v2/alerts" || json.NewDecoder(r.Body).Decode(&alerts) != nil {
			http.Error(rw, "want a POST of alerts to /api/v2/alerts", http.StatusBadRequest)
			return
		}
		line, _ := json.Marshal(alerts)
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		_, _ = f.Write(append(line, '\n'))
	})}
	go srv.Serve(l)
	return srv, nil
}
