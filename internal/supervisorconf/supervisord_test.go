package supervisorconf

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/golance/golance/internal/pythontest"
	"github.com/rogpeppe/go-internal/txtar"
)

// A dialectCase is a configuration, as a txtar archive whose first file
// is the main one, read by this package and by supervisord's own code.
type dialectCase struct {
	name  string
	files string
	env   map[string]string
}

// pyResult is what testdata/supervisord.py reports for one configuration.
type pyResult struct {
	Sections      map[string]map[string]string
	Files         []string
	Warnings      []string
	Error         *string
	Supervisord   map[string]any
	Groups        []any
	Servers       []any
	ServerURL     string
	RPCInterfaces []any
}

// writeCase writes the archive into a new directory and returns the main
// file's path and the environment supervisord runs with. tmp is TMPDIR,
// the same for every case since Python reads it once.
func writeCase(t *testing.T, dir, tmp string, tc dialectCase) (string, []string) {
	t.Helper()
	ar := txtar.Parse([]byte(tc.files))
	if len(ar.Files) == 0 {
		t.Fatalf("%s: no files", tc.name)
	}
	for _, f := range ar.Files {
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := strings.ReplaceAll(string(f.Data), "<CR>\n", "\r")
		data = strings.ReplaceAll(data, "<CRLF>\n", "\r\n")
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"LANG": "C.UTF-8", "HOME": dir, "TMPDIR": tmp, "GOLANCE_X": "val", "GOLANCE_DIR": dir}
	for k, v := range tc.env {
		env[k] = v
	}
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return filepath.Join(dir, ar.Files[0].Name), list
}

// goResult renders what this package reads in the shape of pyResult.
func goResult(c *Config) pyResult {
	var r pyResult
	r.Sections = map[string]map[string]string{"DEFAULT": values(c.Defaults())}
	for _, s := range c.Sections() {
		r.Sections[s.Name] = values(s)
	}
	r.Files = c.Files
	if err := c.Check(); err != nil {
		msg := err.Error()
		r.Error = &msg
		r.Warnings = c.Warnings
		return r
	}
	sv, _ := c.Supervisord()
	r.Supervisord = map[string]any{
		"logfile": sv.Logfile, "logfile_maxbytes": sv.LogfileMaxBytes, "logfile_backups": sv.LogfileBackups,
		"loglevel": sv.Loglevel, "pidfile": sv.Pidfile, "umask": sv.Umask, "nodaemon": sv.Nodaemon, "silent": sv.Silent,
		"minfds": sv.Minfds, "minprocs": sv.Minprocs, "nocleanup": sv.Nocleanup, "childlogdir": sv.Childlogdir,
		"user": sv.User, "uid": sv.UID, "directory": sv.Directory, "strip_ansi": sv.StripAnsi, "identifier": sv.Identifier,
		"environment": orEmpty(sv.Environment),
	}
	groups, _ := c.Groups()
	for _, g := range groups {
		typ := map[string]string{"group": "ProcessGroupConfig", "program": "ProcessGroupConfig",
			"eventlistener": "EventListenerPoolConfig", "fcgi-program": "FastCGIGroupConfig"}[g.Kind]
		out := map[string]any{"name": g.Name, "priority": g.Priority, "type": typ}
		var procs []any
		for _, p := range g.Processes {
			procs = append(procs, processResult(p))
		}
		out["processes"] = orEmpty(procs)
		if g.Kind == "eventlistener" {
			var events []string
			for _, e := range g.Events {
				events = append(events, string(e))
			}
			sort.Strings(events)
			out["buffer_size"], out["events"], out["result_handler"] = g.BufferSize, events, g.ResultHandler
		}
		r.Groups = append(r.Groups, out)
	}
	servers, _ := c.Servers()
	for _, s := range servers {
		r.Servers = append(r.Servers, map[string]any{"section": s.Section.Name, "family": s.Family, "host": s.Host, "port": s.Port,
			"file": s.File, "username": s.Username, "password": s.Password, "chmod": s.Chmod, "chown": []int{s.ChownUID, s.ChownGID}})
	}
	r.ServerURL, _ = c.ServerURL()
	ris, _ := c.RPCInterfaces()
	for _, ri := range ris {
		extras := append([][2]string{}, ri.Extras...)
		slices.SortFunc(extras, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		r.RPCInterfaces = append(r.RPCInterfaces, map[string]any{"name": ri.Name, "factory": ri.Factory, "extras": extras})
	}
	r.Warnings = c.Warnings
	return r
}

// emptySlices gives r's lists the [] Python prints for an empty one.
func emptySlices(r pyResult) pyResult {
	r.Warnings, r.Files = orEmpty(r.Warnings), orEmpty(r.Files)
	if r.Error == nil {
		r.Groups, r.Servers, r.RPCInterfaces = orEmpty(r.Groups), orEmpty(r.Servers), orEmpty(r.RPCInterfaces)
	}
	return r
}

func processResult(p *Process) map[string]any {
	logs := func(l Log) map[string]any {
		return map[string]any{"file": l.File, "maxbytes": l.MaxBytes, "backups": l.Backups, "syslog": l.Syslog,
			"capture_maxbytes": l.CaptureMaxBytes, "events_enabled": l.EventsEnabled}
	}
	return map[string]any{
		"name": p.Name, "command": p.Command, "directory": p.Directory, "umask": p.Umask, "priority": p.Priority,
		"autostart": p.Autostart, "autorestart": p.Autorestart.String(), "startsecs": p.StartSecs,
		"startretries": p.StartRetries, "uid": p.UID, "stopsignal": int(p.StopSignal), "stopwaitsecs": p.StopWaitSecs,
		"stopasgroup": p.StopAsGroup, "killasgroup": p.KillAsGroup, "exitcodes": p.ExitCodes,
		"redirect_stderr": p.RedirectStderr, "environment": orEmpty(p.Environment), "serverurl": p.ServerURL,
		"stdout": logs(p.Stdout), "stderr": logs(p.Stderr),
	}
}

func values(s *Section) map[string]string {
	out := map[string]string{}
	for _, k := range s.Keys() {
		v, _ := s.Lookup(k)
		out[k] = v.Text
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// normalize makes both results comparable: JSON numbers, no nil slices.
func normalize(t *testing.T, r pyResult) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// diff lists the paths at which a and b differ.
func diff(path string, a, b any) []string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v, supervisord %v", path, a, b)}
		}
		var out []string
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range keys {
				if !yield(k) {
					return
				}
			}
		}) {
			out = append(out, diff(path+"."+k, av[k], bv[k])...)
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return []string{fmt.Sprintf("%s: %v, supervisord %v", path, a, b)}
		}
		var out []string
		for i := range av {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(a, b) {
		return []string{fmt.Sprintf("%s: %q, supervisord %q", path, fmt.Sprint(a), fmt.Sprint(b))}
	}
	return nil
}

// TestMatchesSupervisord reads every configuration of dialectCases with
// this package and with supervisord 4.2.5's own code, and compares what
// each makes of it: every raw value, the files read, the warnings, every
// setting of every process, the servers and the URL; or that both refuse
// it.
func TestMatchesSupervisord(t *testing.T) {
	t.Parallel()
	pythontest.Require(t, "supervisor.options")
	type input struct {
		Path string            `json:"path"`
		Env  map[string]string `json:"env"`
	}
	var inputs []input
	var envs [][]string
	tmp := t.TempDir()
	for _, tc := range dialectCases {
		path, env := writeCase(t, t.TempDir(), tmp, tc)
		m := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		inputs = append(inputs, input{path, m})
		envs = append(envs, env)
	}
	var want []pyResult
	pythontest.JSON(t, "testdata/supervisord.py", nil, nil, inputs, &want)
	for i, tc := range dialectCases {
		t.Run(tc.name, func(t *testing.T) {
			w := want[i]
			c, err := Loader{Env: envs[i]}.Load(inputs[i].Path)
			if err != nil {
				if w.Error == nil {
					t.Fatalf("Load: %v; supervisord starts", err)
				}
				var ce *Error
				if !errors.As(err, &ce) {
					t.Errorf("Load: %v is not an *Error", err)
				}
				t.Logf("refused as supervisord does:\n  golance:     %v\n  supervisord: %s", err, *w.Error)
				return
			}
			got := emptySlices(goResult(c))
			if got.Error != nil || w.Error != nil {
				switch {
				case got.Error == nil:
					t.Errorf("accepted; supervisord refuses: %s", *w.Error)
				case w.Error == nil:
					t.Errorf("refused: %s; supervisord accepts", *got.Error)
				default:
					t.Logf("refused as supervisord does:\n  golance:     %s\n  supervisord: %s", *got.Error, *w.Error)
				}
				got.Error, w.Error = nil, nil
			}
			for _, d := range diff("", normalize(t, got), normalize(t, w)) {
				t.Error(d)
			}
		})
	}
}
