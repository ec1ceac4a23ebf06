package outbox

import (
	"os"
	"path/filepath"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultDir(t *testing.T) {
	if writable(SystemDir) {
		// On a machine where /var/lib/golance is writable (root in CI) it
		// wins over the user's directory; check the rest with the
		// variables that come before it.
		got, err := DefaultDir(env(map[string]string{"SUPERVISOR_PROCESS_NAME": "crashmail", "SUPERVISOR_GROUP_NAME": "crashmail"}), "x")
		if err != nil || got != filepath.Join(SystemDir, "crashmail") {
			t.Fatalf("DefaultDir = %q, %v", got, err)
		}
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"systemd", map[string]string{"STATE_DIRECTORY": "/var/lib/a:/var/lib/b", "SUPERVISOR_PROCESS_NAME": "crashmail", "SUPERVISOR_GROUP_NAME": "crashmail"},
			"/var/lib/a/crashmail"},
		{"numprocs listener", map[string]string{"STATE_DIRECTORY": "/s", "SUPERVISOR_PROCESS_NAME": "mail_01", "SUPERVISOR_GROUP_NAME": "mail"},
			"/s/mail-mail_01"},
		{"outside supervisord", map[string]string{"STATE_DIRECTORY": "/s"}, "/s/slack-notify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DefaultDir(env(tc.env), "slack-notify")
			if err != nil || got != tc.want {
				t.Fatalf("DefaultDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDefaultDirFallsBackToTheUsersStateDirectory(t *testing.T) {
	if writable(SystemDir) {
		t.Logf("%s is writable here, so the user's directory is not reached; checking the order below it with a non-writable system directory is not possible as this user", SystemDir)
		return
	}
	home := t.TempDir()
	got, err := DefaultDir(env(map[string]string{"HOME": home, "SUPERVISOR_PROCESS_NAME": "m", "SUPERVISOR_GROUP_NAME": "m"}), "x")
	if err != nil || got != filepath.Join(home, ".local/state/golance/m") {
		t.Fatalf("DefaultDir = %q, %v", got, err)
	}
	got, _ = DefaultDir(env(map[string]string{"HOME": home, "XDG_STATE_HOME": "/xdg", "SUPERVISOR_PROCESS_NAME": "m"}), "x")
	if got != "/xdg/golance/m" {
		t.Fatalf("with XDG_STATE_HOME: %q", got)
	}
}

func TestWritable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir")
	if !writable(dir) {
		t.Fatal("a directory that can be created is not writable")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if writable(filepath.Join(f, "sub")) {
		t.Fatal("a path under a file is writable")
	}
}
