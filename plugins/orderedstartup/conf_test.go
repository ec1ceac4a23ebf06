package orderedstartup

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// dialectEnv is the environment the dialect fixture expands.
var dialectEnv = map[string]string{"GOLANCE_DIALECT": "val", "GOLANCE_DIALECT_EXTRA": "extra/two.ini"}

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// dump renders a Conf the way testdata/pyconf.py renders supervisord's
// parser: every key of every section, expanded as for a [program:x], or
// "ERROR" when the expansion is refused.
func dump(t *testing.T, c *Conf) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, s := range c.Sections("") {
		name := s.Name[strings.IndexByte(s.Name, ':')+1:]
		vals := map[string]string{}
		keys := append(s.Keys(), c.defaults.Keys()...)
		for _, k := range keys {
			v, ok, err := c.Get(s, k, map[string]any{"program_name": name, "group_name": name})
			switch {
			case err != nil:
				if !errors.Is(err, ErrConf) || !errors.Is(err, ErrExpansion) {
					t.Errorf("[%s] %s: error %v does not wrap ErrConf and ErrExpansion", s.Name, k, err)
				}
				v = "ERROR"
			case !ok:
				t.Errorf("[%s] %s listed but not found", s.Name, k)
			}
			vals[k] = v
		}
		out[s.Name] = vals
	}
	return out
}

func loadDialect(t *testing.T) *Conf {
	t.Helper()
	c, err := LoadConf("testdata/dialect/main.conf", lookupIn(dialectEnv))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDialect pins each rule of supervisord's INI dialect on the fixture
// testdata/dialect/main.conf and the files it includes.
func TestDialect(t *testing.T) {
	t.Parallel()
	c := loadDialect(t)
	abs, _ := filepath.Abs("testdata/dialect")
	got := dump(t, c)
	web := got["program:Web"]
	checks := []struct{ rule, section, key, want string }{
		{"inline ' ;' comment is cut", "supervisord", "nodaemon", "true"},
		{"';' without white space before it is text", "program:Web", "command", "/bin/web --flag=1;2"},
		{"keys are case-insensitive, ':' is a delimiter", "program:Web", "startinorder", "TRUE"},
		{"'#' without white space before it is text", "program:Web", "url", "http://example.com/#frag"},
		{"configparser's comment rounds: the first ';' is text, so the '#' round wins", "program:Web", "rounds", "a;b ;c"},
		{"quotes are part of the value", "program:Web", "quoted", `"a b"`},
		{"single quotes too", "program:Web", "single", `'x'`},
		{"a backquote is text", "program:Web", "backtick", "`date` more"},
		{"three double quotes are text", "program:Web", "triple", `"""not a quote`},
		{"continuation lines, their comments, comment lines and inner blank lines", "program:Web", "environment", "A=\"x;y\",\nB=2\nC=3\n\nD=4"},
		{"empty value", "program:Web", "empty", ""},
		{"first delimiter splits", "program:Web", "colon", "a=b:c"},
		{"%(here)s is the main file's directory", "program:Web", "here", abs + "/bin"},
		{"%(ENV_X)s and %(program_name)s", "program:Web", "env", "val-Web"},
		{"%% is a percent sign", "program:Web", "percent", "100%"},
		{"a lone % is refused", "program:Web", "badpercent", "ERROR"},
		{"an unknown name is refused", "program:Web", "unknown", "ERROR"},
		{"Python format flags", "program:Web", "numfmt", "  val|"},
		{"a trailing backslash continues nothing", "program:Web", "trailing", `backslash \`},
		{"the line after a backslash is its own key", "program:Web", "next", "after"},
		{"a later section of the same name merges, and later keys win", "program:Web", "startnextafter", "RUNNING"},
		{"a repeated section adds keys", "program:Web", "startsecs", "7"},
		{"%(here)s in an included file is that file's directory", "program:Web", "fromconfd", abs + "/conf.d"},
		{"a dot in a section name is not a parent", "program:web.v2", "priority", "5\n[program:indented]\nautostart = false\nstartsecs = 3\ncontinued"},
		{"[DEFAULT] keys reach every section", "program:b", "fallback", "from-default"},
		{"included file, relative pattern", "program:a", "command", abs + "/conf.d/a"},
		{"included by a second pattern on a continuation line", "program:one", "dir", abs + "/extra"},
		{"included by a pattern made of %(ENV_X)s", "program:two", "dir", abs + "/extra"},
		{"section names keep their spaces", " spaced ", "k", "v"},
	}
	for _, ck := range checks {
		if v := got[ck.section][ck.key]; v != ck.want {
			t.Errorf("%s: [%s] %s = %q, want %q", ck.rule, ck.section, ck.key, v, ck.want)
		}
	}
	if _, ok := web["Command"]; ok {
		t.Error("key case was kept")
	}
	if _, ok := c.Section("program:web"); ok {
		t.Error("section names matched case-insensitively")
	}
	for _, name := range []string{"program:indented", "program:hidden"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s should not exist (an indented header continues a value; a wildcard skips dot files)", name)
		}
	}
	wantFiles := []string{abs + "/main.conf", abs + "/conf.d/10-a.conf", abs + "/conf.d/20-b.conf", abs + "/extra/one.ini", abs + "/extra/two.ini"}
	if !reflect.DeepEqual(c.Files, wantFiles) {
		t.Errorf("files read:\n%q\nwant (sorted glob matches; an [include] in an included file is not followed):\n%q", c.Files, wantFiles)
	}
	if sec, _ := c.Section("program:a"); sec.File != abs+"/conf.d/10-a.conf" {
		t.Errorf("program:a defined in %s", sec.File)
	}
}

// TestDialectMatchesSupervisord reads the fixture with supervisord's own
// parser (the Python module installed with supervisord) and compares
// every value.
func TestDialectMatchesSupervisord(t *testing.T) {
	t.Parallel()
	py := requirePythonSupervisor(t)
	cmd := exec.Command(py, "testdata/pyconf.py", "testdata/dialect/main.conf")
	cmd.Env = os.Environ()
	for k, v := range dialectEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyconf.py: %v", err)
	}
	var want struct {
		Files    []string
		Sections map[string]map[string]string
	}
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	c := loadDialect(t)
	got := dump(t, c)
	if !reflect.DeepEqual(got, want.Sections) {
		for name, ws := range want.Sections {
			for k, v := range ws {
				if got[name][k] != v {
					t.Errorf("[%s] %s = %q, supervisord reads %q", name, k, got[name][k], v)
				}
			}
			for k := range got[name] {
				if _, ok := ws[k]; !ok {
					t.Errorf("[%s] %s = %q, which supervisord does not have", name, k, got[name][k])
				}
			}
		}
		for name := range got {
			if _, ok := want.Sections[name]; !ok {
				t.Errorf("section [%s], which supervisord does not have", name)
			}
		}
	}
	if !reflect.DeepEqual(c.Files, want.Files) {
		t.Errorf("files %q, supervisord reads %q", c.Files, want.Files)
	}
}

// requirePythonSupervisor returns the python that can import supervisord's
// module. It skips the test when there is none, and fails it under
// CI=true, where supervisord must be installed.
func requirePythonSupervisor(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import supervisor.options").Run() == nil {
			return p
		}
	}
	msg := "no python3 with the supervisor module (apt-get install -y supervisor)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func TestConfErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct{ name, text, want string }{
		{"nosection.conf", "key=value\n", `line 1: "key=value" comes before any [section] header`},
		{"novalue.conf", "[program:x]\njust words\n", `line 2: "just words" is neither a [section] header nor a key=value line`},
		{"nokey.conf", "[program:x]\n=value\n", `line 2: "=value" has no key before its '='`},
		{"noinclude.conf", "[include]\nother=1\n", "has an [include] section without a files= line"},
		{"badpattern.conf", "[include]\nfiles=%(nosuch)s\n", `[include] files in ` + dir + `/badpattern.conf: cannot expand "%(nosuch)s": there is no %(nosuch)s to expand`},
	}
	for _, tt := range tests {
		_, err := LoadConf(write(tt.name, tt.text), nil)
		if err == nil || !errors.Is(err, ErrConf) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	_, err := LoadConf(filepath.Join(dir, "missing.conf"), nil)
	if err == nil || !strings.Contains(err.Error(), "missing.conf does not exist") {
		t.Errorf("missing file: %v", err)
	}
	c, err := LoadConf(write("nomatch.conf", "[include]\nfiles=none/*.conf\n"), nil)
	if err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `no file matches the include pattern "`+dir+`/none/*.conf"`) {
		t.Errorf("unmatched pattern: %v %q", err, c.Warnings)
	}
	abs := write("abs.conf", "[include]\nfiles="+dir+"/inc/*.ini\n")
	os.Mkdir(filepath.Join(dir, "inc"), 0o755)
	write("inc/x.ini", "[program:x]\ncommand=x\n")
	if c, err := LoadConf(abs, nil); err != nil || len(c.Files) != 2 {
		t.Errorf("absolute include pattern: %v %v", err, c)
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	vals := map[string]any{"program_name": "web", "process_num": 7, "neg": -3, "s": "héllo"}
	look := func(n string) (any, bool) { v, ok := vals[n]; return v, ok }
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"%(program_name)s_%(process_num)02d", "web_07"},
		{"%(process_num)d %(process_num)s %(process_num)x %(process_num)#o", "7 7 7 0o7"},
		{"%(process_num)-4d|%(process_num)+d|% d", ""},
		{"[%(s)8s][%(s)-8s][%(s).2s]", "[   héllo][héllo   ][hé]"},
		{"%(neg)05d %(s)r", "-0003 'héllo'"},
		{"100%%", "100%"},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, look)
		if tt.want == "" {
			if err == nil {
				t.Errorf("expand(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"50%", "%s", "%(s)d", "%(nosuch)s", "%(s", "%(s)q"} {
		if _, err := expand(bad, look); err == nil || !errors.Is(err, ErrExpansion) {
			t.Errorf("expand(%q): err %v, want ErrExpansion", bad, err)
		}
	}
	if got, _ := expand("%(process_num)-4d|%(process_num)+d", look); got != "7   |+7" {
		t.Errorf("flags: %q", got)
	}
}
