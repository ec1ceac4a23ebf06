package exporter

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/testharness/supervisord"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the status page's screenshot to docs/images for docs/fleet.md")

// The programs of the shared supervisord: two that work (one using a
// little CPU), one in a crash loop whose runs (0.2s, plus up to a second
// of supervisord's poll before the restart) are shorter than the scrape
// interval (3s), and one that goes FATAL.
const fleetPrograms = `
	[program:web]
	command=sleep 1000
	[program:worker]
	command=sh -c 'while :; do i=0; while [ $i -lt 300 ]; do i=$((i+1)); done; sleep 0.1; done'
	[program:looper]
	command=sh -c 'echo "connecting to db" >&2; sleep 0.2; echo "db unreachable, giving up" >&2; exit 3'
	startsecs=0
	autorestart=true
	[program:broken]
	command=sh -c 'echo "config error: no such file /etc/broken.yml" >&2; exit 78'
	startretries=1
`

// One real supervisord runs the real exporter; a real Prometheus scrapes
// it; the crash loop shows up in the counters queried through
// Prometheus's HTTP API, promtool accepts a real scrape and the textfile,
// and Chromium shows the crash loop marked on the status page.
func TestIntegrationPrometheus(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	addr := freeAddr(t)
	textfile := filepath.Join(t.TempDir(), "supervisord.prom")
	sv := supervisord.Start(t, supervisord.Config{Identifier: "fleet-a", LogLevel: "info", Sections: `
		[eventlistener:exporter]
		command=` + binary(t) + ` --web.listen-address ` + addr + ` --textfile ` + textfile + ` --textfile.interval 200ms --sample-interval 200ms
		events=PROCESS_STATE,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE,TICK_5
		buffer_size=100
	` + fleetPrograms})
	sv.WaitLog(t, `success: exporter entered RUNNING state`)
	sv.WaitLog(t, `gave up: broken entered FATAL state`)
	base := "http://" + addr

	t.Run("prometheus sees crashes between scrapes", func(t *testing.T) {
		prom := startPrometheus(t, 3*time.Second, addr)
		q := `supervisord_process_exits_total{name="looper",expected="false"}[1m]`
		var samples []promSample
		waitFor(t, 30*time.Second, "three scrapes of the crash loop", func() bool {
			samples = prom.query(t, q)
			return len(samples) >= 3
		})
		jumped := false
		for i := 1; i < len(samples); i++ {
			if samples[i].Value-samples[i-1].Value >= 2 {
				jumped = true
			}
		}
		if !jumped {
			t.Errorf("no two consecutive scrapes 3s apart saw two or more crashes of a program crashing every 1.2s at most: %v", samples)
		}
		up := prom.query(t, `supervisord_up`)
		info := prom.query(t, `supervisord_info`)
		if len(up) != 1 || up[0].Value != 1 || len(info) != 1 || info[0].Metric["identification"] != "fleet-a" || info[0].Metric["version"] == "" {
			t.Errorf("supervisord_up %v, supervisord_info %v", up, info)
		}
		fatal := prom.query(t, `supervisord_process_fatal_total{name="broken"}`)
		state := prom.query(t, `supervisord_process_state{name="broken"}`)
		if len(fatal) != 1 || fatal[0].Value != 1 || len(state) != 1 || state[0].Value != 200 {
			t.Errorf("broken: fatal_total %v, state %v; want 1 and 200 (FATAL)", fatal, state)
		}
		rss := prom.query(t, `supervisord_process_resident_memory_bytes{name="web"}`)
		cpu := prom.query(t, `rate(supervisord_process_cpu_seconds_total{name="worker"}[10s])`)
		if len(rss) != 1 || rss[0].Value < 100<<10 || len(cpu) != 1 || cpu[0].Value <= 0 {
			t.Errorf("web's memory %v, worker's CPU rate %v", rss, cpu)
		}
	})

	t.Run("promtool accepts a real scrape and the textfile", func(t *testing.T) {
		promtool := requireTool(t, "promtool", "prometheus")
		body := scrape(t, base+"/metrics")
		waitFor(t, 5*time.Second, "the textfile", func() bool { _, err := os.Stat(textfile); return err == nil })
		file, err := os.ReadFile(textfile)
		if err != nil {
			t.Fatal(err)
		}
		for name, text := range map[string]string{"scrape": body, "textfile": string(file)} {
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = strings.NewReader(text)
			out, err := cmd.CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("promtool check metrics on the %s: %v\n%s", name, err, out)
			}
			if !strings.Contains(text, `supervisord_process_exits_total{expected="false",group="looper",name="looper"}`) {
				t.Errorf("the %s has no exits counter for looper", name)
			}
		}
		if strings.Contains(string(file), "go_goroutines") || !strings.Contains(body, "go_goroutines") {
			t.Error("the textfile must leave out the go_ and process_ metrics node_exporter has itself; the scrape keeps them")
		}
	})

	t.Run("the status page marks the crash loop", func(t *testing.T) {
		chromium := requireTool(t, "chromium", "chromium")
		// Let the plots gather a few samples.
		time.Sleep(2 * time.Second)
		dom := runChromium(t, chromium, "--dump-dom", base+"/")
		for id, failing := range map[string]bool{"looper": true, "broken": true, "web": false, "worker": false} {
			re := regexp.MustCompile(`<section class="proc( failing)?[^"]*" id="p-` + id + `"`)
			m := re.FindStringSubmatch(dom)
			if m == nil {
				t.Errorf("no card for %s in the page", id)
				continue
			}
			if (m[1] != "") != failing {
				t.Errorf("%s: failing = %v, want %v", id, m[1] != "", failing)
			}
		}
		if !strings.Contains(dom, `2 failing: broken, looper`) {
			t.Errorf("the banner does not name the failing processes")
		}
		shot := filepath.Join(t.TempDir(), "status.png")
		runChromium(t, chromium, "--screenshot="+shot, "--window-size=1000,760", "--hide-scrollbars", base+"/")
		b, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if red := redPixels(t, b); red < 2000 {
			t.Errorf("the screenshot has %d pixels of the failing red; the crash loop does not stand out", red)
		}
		if *updateScreenshot {
			if err := os.WriteFile(filepath.Join("..", "..", "docs", "images", "status-page.png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// runChromium runs headless Chromium with a fresh profile and returns its
// standard output.
func runChromium(t testing.TB, bin string, args ...string) string {
	t.Helper()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.Command(bin, all...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// redPixels counts the pixels of the failing colours (the banner's and the
// badges' red, the cards' pink).
func redPixels(t testing.TB, b []byte) int {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if (r > 180 && g < 70 && bl < 70) || (r > 245 && g > 225 && g < 240 && bl > 225 && bl < 240) {
				n++
			}
		}
	}
	return n
}
