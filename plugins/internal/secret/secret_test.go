package secret

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// writeSecret writes content to a fresh file with the given mode.
func writeSecret(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResolvePriority(t *testing.T) {
	file := writeSecret(t, "from-file\n", 0o600)
	t.Setenv("GOLANCE_TEST_SECRET", "from-env")
	tests := []struct {
		name       string
		src        Source
		want       string
		wantOrigin string
	}{
		{"value wins over env and file", Source{Value: "from-flag", Env: "GOLANCE_TEST_SECRET", File: file}, "from-flag", "the command line"},
		{"env wins over file", Source{Env: "GOLANCE_TEST_SECRET", File: file}, "from-env", "environment variable GOLANCE_TEST_SECRET"},
		{"empty env falls through to file", Source{Env: "GOLANCE_TEST_UNSET_SECRET", File: file}, "from-file", "file " + file},
		{"file alone", Source{File: file}, "from-file", "file " + file},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.src.Resolve()
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if s.Reveal() != tt.want || s.Origin() != tt.wantOrigin {
				t.Errorf("got %q from %q, want %q from %q", s.Reveal(), s.Origin(), tt.want, tt.wantOrigin)
			}
		})
	}
}

func TestResolveEmptyEnvIsUnset(t *testing.T) {
	t.Setenv("GOLANCE_TEST_SECRET", "")
	_, err := Source{Name: "Slack token", Env: "GOLANCE_TEST_SECRET"}.Resolve()
	if !errors.Is(err, ErrNotSet) {
		t.Fatalf("err = %v, want ErrNotSet", err)
	}
	want := "no Slack token given: set environment variable GOLANCE_TEST_SECRET or name a file holding it: secret not set"
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
}

func TestResolveNothingConfigured(t *testing.T) {
	t.Parallel()
	_, err := Source{}.Resolve()
	if !errors.Is(err, ErrNotSet) || err.Error() != "no secret given: name a file holding it: secret not set" {
		t.Errorf("err = %v", err)
	}
}

func TestResolveFileTrimsOneNewline(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"pw":          "pw",
		"pw\n":        "pw",
		"pw\r\n":      "pw",
		"pw\n\n":      "pw\n",
		" pw \n":      " pw ",
		"a\nb\n":      "a\nb",
		"pw\r":        "pw\r",
		"\tp w\t\r\n": "\tp w\t",
	}
	for content, want := range tests {
		path := writeSecret(t, content, 0o600)
		s, err := Source{File: path}.Resolve()
		if err != nil {
			t.Errorf("file %q: %v", content, err)
			continue
		}
		if s.Reveal() != want {
			t.Errorf("file %q gives %q, want %q", content, s.Reveal(), want)
		}
	}
}

func TestResolveFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	empty := writeSecret(t, "\n", 0o600)
	huge := writeSecret(t, strings.Repeat("x", MaxFileSize+1), 0o600)
	tests := []struct {
		path string
		want string
		is   error
	}{
		{missing, "SMTP password file " + missing + " does not exist; create it holding only the SMTP password, or fix the path: open " + missing + ": no such file or directory", fs.ErrNotExist},
		{dir, "SMTP password file " + dir + " is a directory; give the path of the file that holds the SMTP password", nil},
		{empty, "SMTP password file " + empty + " is empty; write the SMTP password into it", nil},
		{huge, fmt.Sprintf("SMTP password file %s is %d bytes, more than a secret can be (65536); check the path", huge, MaxFileSize+1), nil},
	}
	for _, tt := range tests {
		_, err := Source{Name: "SMTP password", File: tt.path}.Resolve()
		if err == nil {
			t.Errorf("%s: no error", tt.path)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("err = %q\nwant  %q", err, tt.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one line: %q", err)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
		}
	}
}

func TestResolveFileUnreadable(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads any file, so permission errors cannot happen")
	}
	path := writeSecret(t, "pw", 0o000)
	_, err := Source{Name: "SMTP password", File: path}.Resolve()
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("err = %v, want fs.ErrPermission", err)
	}
	want := fmt.Sprintf("SMTP password file %s is not readable by uid %d; make it readable", path, os.Geteuid())
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %q\nwant prefix %q", err, want)
	}
}

func TestFileErrorPermission(t *testing.T) {
	t.Parallel()
	// The error os.Open returns for a file the user may not read; built here
	// because TestResolveFileUnreadable cannot provoke it when run as root.
	err := fileError("SMTP password", "/etc/golance/smtp", &fs.PathError{Op: "open", Path: "/etc/golance/smtp", Err: syscall.EACCES})
	want := fmt.Sprintf("SMTP password file /etc/golance/smtp is not readable by uid %d; make it readable by the listener's user (chown, chmod 0400): open /etc/golance/smtp: permission denied", os.Geteuid())
	if err.Error() != want || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
}

func TestResolveWarnsAboutWorldReadableFile(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o640, false}, {0o400, false}, {0o644, true}, {0o444, true}} {
		path := writeSecret(t, "s3cr3t-value\n", tt.mode)
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		s, err := Source{Name: "Slack token", File: path, Logger: logger}.Resolve()
		if err != nil || s.Reveal() != "s3cr3t-value" {
			t.Fatalf("mode %v: got %q, %v", tt.mode, s.Reveal(), err)
		}
		warned := strings.Contains(logs.String(), "level=WARN") &&
			strings.Contains(logs.String(), "Slack token file "+path+" is readable by every user; restrict it with chmod o-r")
		if warned != tt.warn {
			t.Errorf("mode %v: warned = %v, want %v; log: %q", tt.mode, warned, tt.warn, logs.String())
		}
		if strings.Contains(logs.String(), "s3cr3t-value") {
			t.Errorf("log mentions the secret: %q", logs.String())
		}
	}
}

func TestSecretIsRedactedWhenPrinted(t *testing.T) {
	t.Parallel()
	s, err := Source{Value: "hunter2"}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	holder := struct{ Password Secret }{s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(verb, holder)
		if strings.Contains(got, "hunter2") {
			t.Errorf("%s prints the secret: %s", verb, got)
		}
		if !strings.Contains(got, "[redacted]") {
			t.Errorf("%s prints %s, want [redacted]", verb, got)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

// A secret from a flag the Source names gives one warning line naming the
// places to use instead, and still works; a secret from elsewhere, or from
// a Source that names no flag, gives none.
func TestResolveWarnsAboutTheCommandLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		src  Source
		want string
	}{
		{Source{Name: "SMTP password", Value: "hunter2", Flag: "--password", Env: "GOLANCE_SMTP_PASSWORD", FileFlag: "--password-file"},
			`level=WARN msg="the SMTP password is on the command line (--password), where every local user can read it with ps: ` +
				`set environment variable GOLANCE_SMTP_PASSWORD (environment= in the [eventlistener:x] section), or name a file holding it with --password-file instead"` + "\n"},
		{Source{Name: "token", Value: "hunter2", Flag: "--token", FileFlag: "--token-file"},
			`level=WARN msg="the token is on the command line (--token), where every local user can read it with ps: name a file holding it with --token-file instead"` + "\n"},
		{Source{Name: "token", Value: "hunter2"}, ""},
		{Source{Name: "token", Env: "GOLANCE_TEST_ARGV_SECRET", Flag: "--token", File: writeSecret(t, "hunter2", 0o600)}, ""},
	} {
		var logs bytes.Buffer
		tt.src.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
		s, err := tt.src.Resolve()
		if err != nil || s.Reveal() != "hunter2" {
			t.Fatalf("%+v: %q, %v", tt.src, s.Reveal(), err)
		}
		if logs.String() != tt.want {
			t.Errorf("%+v logged\n%q, want\n%q", tt.src, logs.String(), tt.want)
		}
	}
}
