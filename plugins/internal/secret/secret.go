// Package secret finds a plugin's secret (an SMTP password, a Slack token)
// so that it never has to appear on a command line, where ps and
// supervisord's own logs would show it.
//
// A Source names up to three places, tried in this order; the first one
// set wins and the others are not looked at:
//
//  1. Value, given directly (a --password flag). Kept for superlance
//     compatibility; anyone who can run ps can read it, so when Source.Flag
//     names where it came from, Resolve logs one warning line saying where
//     to put it instead (see WarnCommandLine).
//  2. The environment variable Env, set for instance by the environment=
//     line of the [eventlistener:x] section. An empty variable counts as
//     unset.
//  3. The file File, whose whole content is the secret, less one trailing
//     newline ("\n" or "\r\n") so that files written by echo or an editor
//     work. An empty file is an error, not an empty secret.
//
// A secret file readable by every user is still read, but Resolve logs a
// warning, because refusing it would break secrets mounted by container
// runtimes (Kubernetes and Docker mount them 0644 and 0444 by default).
// Group-readable files (root:golance 0640) are the normal way to share a
// secret with a listener's user and pass silently.
package secret

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
)

// MaxFileSize bounds a secret file; anything larger is the wrong file.
const MaxFileSize = 64 << 10

// ErrNotSet is wrapped by Resolve's error when none of the Source's places
// holds a secret. Callers for which the secret is optional check it with
// errors.Is.
var ErrNotSet = errors.New("secret not set")

// Source says where to look for one secret.
type Source struct {
	// Name says what the secret is, for messages: "SMTP password".
	Name string
	// Value is the secret given directly, typically by a command-line flag.
	Value string
	// Env is the name of an environment variable that may hold the secret.
	Env string
	// File is the path of a file that may hold the secret.
	File string
	// Flag, if set, is how the command line gave Value ("--password", "the
	// URL"): Resolve then warns that ps shows it, naming Env and FileFlag,
	// the flag that sets File, as the places to use instead.
	Flag     string
	FileFlag string
	// Logger receives the warnings about a secret on the command line and
	// a world-readable file; nil means slog.Default().
	Logger *slog.Logger
}

// Secret is a resolved secret. Its String and GoString methods print
// "[redacted]", so that logging a Secret or a struct holding one by mistake
// does not leak it; Reveal returns the value.
type Secret struct {
	value  string
	origin string
}

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return s.value }

// Origin says where the secret came from, for error hints: "the command
// line", "environment variable SMTP_PASSWORD" or "file /etc/golance/smtp".
// It is empty for the zero Secret.
func (s Secret) Origin() string { return s.origin }

// String returns "[redacted]".
func (s Secret) String() string { return "[redacted]" }

// GoString returns "[redacted]", covering the %#v verb.
func (s Secret) GoString() string { return "[redacted]" }

// Resolve returns the secret from the first of the Source's places that is
// set (see the package documentation for the order). Every error is one line
// naming the place and the fix; the error wraps ErrNotSet when no place is
// set, and the *fs.PathError when the file cannot be read.
func (src Source) Resolve() (Secret, error) {
	name := src.Name
	if name == "" {
		name = "secret"
	}
	if src.Value != "" {
		if src.Flag != "" {
			var instead []string
			if src.Env != "" {
				instead = append(instead, "set environment variable "+src.Env+" (environment= in the [eventlistener:x] section)")
			}
			if src.FileFlag != "" {
				instead = append(instead, "name a file holding it with "+src.FileFlag)
			}
			WarnCommandLine(src.logger(), name, src.Flag, strings.Join(instead, ", or "))
		}
		return Secret{value: src.Value, origin: "the command line"}, nil
	}
	if src.Env != "" {
		if v := os.Getenv(src.Env); v != "" {
			return Secret{value: v, origin: "environment variable " + src.Env}, nil
		}
	}
	if src.File != "" {
		v, err := src.readFile(name)
		if err != nil {
			return Secret{}, err
		}
		return Secret{value: v, origin: "file " + src.File}, nil
	}
	switch {
	case src.Env != "":
		return Secret{}, fmt.Errorf("no %s given: set environment variable %s or name a file holding it: %w", name, src.Env, ErrNotSet)
	default:
		return Secret{}, fmt.Errorf("no %s given: name a file holding it: %w", name, ErrNotSet)
	}
}

func (src Source) readFile(name string) (string, error) {
	path := src.File
	f, err := os.Open(path)
	if err != nil {
		return "", fileError(name, path, err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the checks apply to what is read.
	info, err := f.Stat()
	if err != nil {
		return "", fileError(name, path, err)
	}
	if info.IsDir() {
		return "", fmt.Errorf("%s file %s is a directory; give the path of the file that holds the %s", name, path, name)
	}
	if info.Size() > MaxFileSize {
		return "", fmt.Errorf("%s file %s is %d bytes, more than a secret can be (%d); check the path", name, path, info.Size(), MaxFileSize)
	}
	if info.Mode().Perm()&0o004 != 0 {
		src.logger().Warn(fmt.Sprintf("%s file %s is readable by every user; restrict it with chmod o-r", name, path),
			"file", path, "mode", info.Mode().Perm().String())
	}
	// Read one byte past the limit: the file may have grown since Stat.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return "", fileError(name, path, err)
	}
	if len(data) > MaxFileSize {
		return "", fmt.Errorf("%s file %s is more than %d bytes, more than a secret can be; check the path", name, path, MaxFileSize)
	}
	v := string(data)
	if s, ok := strings.CutSuffix(v, "\n"); ok {
		v = strings.TrimSuffix(s, "\r")
	}
	if v == "" {
		return "", fmt.Errorf("%s file %s is empty; write the %s into it", name, path, name)
	}
	return v, nil
}

func (src Source) logger() *slog.Logger {
	if src.Logger == nil {
		return slog.Default()
	}
	return src.Logger
}

// WarnCommandLine logs the one warning line for a secret given on the
// command line, which every local user can read with ps and supervisord
// writes into its log: what it is (name), where on the command line it
// was (where: "--password", "the URL"), and instead, the places to move it
// to ("set environment variable X, or name a file holding it with
// --x-file"). The secret still works: superlance's command lines keep
// running.
func WarnCommandLine(logger *slog.Logger, name, where, instead string) {
	if logger == nil {
		logger = slog.Default()
	}
	msg := fmt.Sprintf("the %s is on the command line (%s), where every local user can read it with ps", name, where)
	if instead != "" {
		msg += ": " + instead + " instead"
	}
	logger.Warn(msg)
}

// fileError turns an open or read failure into one line with the fix.
func fileError(name, path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s file %s does not exist; create it holding only the %s, or fix the path: %w", name, path, name, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s file %s is not readable by uid %d; make it readable by the listener's user (chown, chmod 0400): %w", name, path, os.Geteuid(), err)
	default:
		return fmt.Errorf("cannot read %s file %s: %w", name, path, err)
	}
}
