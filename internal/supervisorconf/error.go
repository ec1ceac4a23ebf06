package supervisorconf

import (
	"strconv"
	"strings"
)

// An Error is a configuration supervisord would refuse (or, for
// Warnings, mis-read), told on one line: where, what and how to fix it.
//
//	/etc/supervisor/conf.d/web.conf:12: [program:web] startsecs=abc: invalid literal for int() with base 10: 'abc'; write a whole number of seconds
type Error struct {
	File    string // the file, "" if none
	Line    int    // the line in File, 0 if unknown
	Section string // "program:web", "" for the file as a whole
	Key     string // the key, "" for the section as a whole
	Value   string // the value as written, if Key is set
	// Problem says what is wrong; Fix, if set, what to write instead.
	Problem, Fix string
	// Err is the underlying error, from the file system or a *pyfmt.Error
	// naming what Python found wrong with the value; its text is shown
	// only when Problem is empty.
	Err error
}

// Error returns the one line; line breaks in values and in Python's
// messages are shown as \n.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Section != "" {
		b.WriteString("[" + e.Section + "] ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + "=" + e.Value + ": ")
	}
	if e.Problem == "" && e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("; " + e.Fix)
	}
	return oneLine(b.String())
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// oneLine shows a multi-line value on one line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }
