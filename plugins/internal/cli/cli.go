// Package cli is what every golance binary shares on its command line: a
// cobra root command whose help and errors go to standard error (standard
// output carries the listener protocol), one-line error messages naming
// the fix, exit statuses, and the version from the binary's build
// information; and how every plugin serves supervisord once its flags are
// read.
//
//	cli.go      Setup, Execute, Main, UsageError, Version: the command line
//	run.go      RunListener, Logger, DrainTimeout: serving, logging, draining
//	example.go  Example: supervisord.conf sections as --help shows them
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/golance/golance/listener"
	"github.com/spf13/cobra"
)

// Exit statuses. supervisord restarts a listener that exits non-zero when
// its autorestart allows, so a mistake on the command line is worth a
// different status than a runtime failure only for the operator reading
// the log.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// A UsageError is a mistake on the command line: a bad or missing flag, a
// malformed value. Main prints it with a pointer to --help and exits with
// ExitUsage.
type UsageError struct {
	Err error
}

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message. Messages should
// name what was wrong and how to fix it, e.g.
// "missing -m/--email: crashmail needs a recipient for its mail".
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Setup prepares a plugin's root command. Every golance command calls it
// from its constructor, so the command behaves the same in tests as in
// the binary: help goes to standard error, errors are returned rather than
// printed by cobra, flag errors become UsageErrors, and --version prints
// the module version.
func Setup(cmd *cobra.Command) *cobra.Command {
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	cmd.Version = Version()
	cmd.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &UsageError{Err: err}
	})
	help := cmd.HelpFunc()
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		// cobra writes help to standard output, which belongs to the
		// protocol; the help text is for a person reading a terminal or
		// supervisord's stderr log.
		c.SetOut(c.ErrOrStderr())
		help(c, args)
	})
	if cmd.Args == nil {
		cmd.Args = NoArgs
	}
	// Refuse a terminal on stdin before the plugin does anything (connects
	// to supervisord, logs its settings): the one line says what to do.
	cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		for _, f := range strings.Split(c.Annotations[queryAnnotation], ",") {
			if f != "" && c.Flags().Changed(f) {
				return nil
			}
		}
		return listener.CheckStdin()
	}
	return cmd
}

const queryAnnotation = "golance/query-flags"

// Query names flags that make a listener's command answer a question and
// exit instead of serving supervisord, such as ordered-startup's --plan.
// With one of them set, the command may run with a terminal on its
// standard input.
func Query(cmd *cobra.Command, flags ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[queryAnnotation] = strings.Join(flags, ",")
}

// NoArgs rejects positional arguments with a UsageError.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Usagef("unexpected argument %q: %s takes only flags", args[0], cmd.Name())
	}
	return nil
}

// Version returns the module version the binary was built from: the
// release tag for `go install ...@v1.2.3`, or "(devel)" plus the VCS
// revision for a build from a checkout.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if v == "(devel)" && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev + modified
	}
	return v
}

// Main runs cmd with the process's arguments and exits. It is the whole
// body of every cmd/<name>/main.go.
func Main(cmd *cobra.Command) {
	os.Exit(Execute(context.Background(), cmd, os.Args[1:], os.Stdout, os.Stderr))
}

// Execute runs cmd with args and returns the exit status, printing any
// error to stderr as one line prefixed with the command's name.
func Execute(ctx context.Context, cmd *cobra.Command, args []string, stdout, stderr io.Writer) int {
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	msg := strings.TrimSpace(err.Error())
	msg = strings.ReplaceAll(msg, "\n", " ")
	var usage *UsageError
	if errors.As(err, &usage) {
		fmt.Fprintf(stderr, "%s: %s (see %s --help)\n", cmd.Name(), msg, cmd.Name())
		return ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", cmd.Name(), msg)
	return ExitError
}
