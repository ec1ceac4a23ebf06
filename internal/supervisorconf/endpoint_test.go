package supervisorconf

import (
	"path/filepath"
	"testing"
)

func TestEndpoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "s.sock")
	parse := func(text string) *Config {
		t.Helper()
		c, err := Loader{Env: []string{}}.Parse([]byte("[supervisord]\n"+text), filepath.Join(dir, "supervisord.conf"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	unix := parse("[unix_http_server]\nfile=%(here)s/s.sock\nusername=admin\npassword=s3cret\n[inet_http_server]\nport=127.0.0.1:9001\nusername=web\npassword=pw\n")
	hashed := parse("[inet_http_server]\nport=9001\nusername=u\npassword={SHA}0123\n")
	ctl := parse("[unix_http_server]\nfile=" + sock + "\nusername=admin\npassword=s3cret\n[supervisorctl]\nserverurl=unix://%(here)s/s.sock\n")
	ctlOwn := parse("[inet_http_server]\nport=9002\n[supervisorctl]\nserverurl=http://localhost:9002\nusername=me\npassword=mine\n")
	none := parse("")
	env := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	tests := []struct {
		name string
		c    *Config
		env  func(string) (string, bool)
		want Endpoint
	}{
		{"supervisord's URL, the unix server's credentials", unix, env("SUPERVISOR_SERVER_URL", "unix://"+sock), Endpoint{"unix://" + sock, "admin", "s3cret"}},
		{"supervisord's URL of the inet server", unix, env("SUPERVISOR_SERVER_URL", "http://127.0.0.1:9001"), Endpoint{"http://127.0.0.1:9001", "web", "pw"}},
		{"credentials in the environment win", unix, env("SUPERVISOR_SERVER_URL", "unix://"+sock, "SUPERVISOR_USERNAME", "x", "SUPERVISOR_PASSWORD", "y"), Endpoint{"unix://" + sock, "x", "y"}},
		{"no URL: the unix server first", unix, env(), Endpoint{"unix://" + sock, "admin", "s3cret"}},
		{"a hashed password cannot be sent", hashed, env(), Endpoint{"http://localhost:9001", "", ""}},
		{"[supervisorctl] serverurl, the server's credentials", ctl, env(), Endpoint{"unix://" + sock, "admin", "s3cret"}},
		{"[supervisorctl]'s own credentials", ctlOwn, env(), Endpoint{"http://localhost:9002", "me", "mine"}},
		{"nothing served", none, env(), Endpoint{}},
	}
	for _, tt := range tests {
		got, err := tt.c.Endpoint(tt.env)
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}
