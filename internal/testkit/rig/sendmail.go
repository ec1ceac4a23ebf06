package rig

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Sendmail is a stand-in for sendmail that keeps every mail it is given
// in a file of its own, for plugins that mail through a sendmail command
// (-s/--sendmail_program).
type Sendmail struct {
	t    testing.TB
	path string
	dir  string
}

// NewSendmail writes the stand-in into the test's directory.
func NewSendmail(t testing.TB) *Sendmail {
	t.Helper()
	s := &Sendmail{t: t, path: filepath.Join(t.TempDir(), "sendmail"), dir: t.TempDir()}
	// Written aside and renamed, so that a mail is never seen half written.
	script := "#!/bin/sh\ncat > \"" + s.dir + "/.part.$$\" && mv \"" + s.dir + "/.part.$$\" \"" + s.dir + "/mail.$$\"\n"
	Must(t, os.WriteFile(s.path, []byte(script), 0o755))
	return s
}

// Path returns the stand-in's path.
func (s *Sendmail) Path() string { return s.path }

// Command returns a --sendmail_program value running the stand-in as a
// plugin runs sendmail by default: "<path> -t -i".
func (s *Sendmail) Command() string { return s.path + " -t -i" }

// Mail is one mail the stand-in was given.
type Mail struct {
	// Header holds the header fields, by name as written.
	Header map[string]string
	// Subject and To are those header fields.
	Subject, To string
	// Body is what follows the header, less a final newline.
	Body string
}

// Mails returns the mails given so far, in subject order.
func (s *Sendmail) Mails() []Mail {
	files, _ := filepath.Glob(filepath.Join(s.dir, "mail.*"))
	var out []Mail
	for _, f := range files {
		b, err := os.ReadFile(f)
		Must(s.t, err)
		head, body, _ := strings.Cut(string(b), "\n\n")
		m := Mail{Header: map[string]string{}, Body: strings.TrimSuffix(body, "\n")}
		for h := range strings.SplitSeq(head, "\n") {
			if k, v, ok := strings.Cut(h, ": "); ok {
				m.Header[k] = v
			}
		}
		m.Subject, m.To = m.Header["Subject"], m.Header["To"]
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Mail) int { return strings.Compare(a.Subject, b.Subject) })
	return out
}

// Wait waits until n mails were given and returns them.
func (s *Sendmail) Wait(n int) []Mail {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := s.Mails(); len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%d mails of %d after 20s", len(s.Mails()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
