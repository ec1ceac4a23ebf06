// Package cli is what every golance binary shares on its command line: a
// cobra root command whose errors go to standard error (standard output
// carries the listener protocol) while --help and --version, which a
// person asked for, go to standard output; one-line error messages naming
// the fix, exit statuses, and the version stamped at build time; and how
// every plugin serves supervisord once its flags are read.
//
//	cli.go        Setup, Execute, Main, UsageError, Version: the command line
//	flagerror.go  flag values refused in words that say what to write
//	run.go      RunListener, Logger, DrainTimeout: serving, logging, draining
//	example.go  Example: supervisord.conf sections as --help shows them
//	trim*.go    settle: the runtime tuned for one listener, start-up's memory
//	            given back before serving, and the collector's after it
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/listener"
	"github.com/spf13/cobra"
)

// Exit statuses (package manual says what each means, for the man pages).
const (
	ExitOK    = manual.ExitOK
	ExitError = manual.ExitError
	ExitUsage = manual.ExitUsage
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

// An ExitStatus, returned by a command, is the status Execute returns,
// with nothing printed: the command has said what happened, and the
// status is a message of its own (essential run passes on the exit code
// of the program that ended).
type ExitStatus int

func (e ExitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Setup prepares a plugin's root command. Every golance command calls it
// from its constructor, so the command behaves the same in tests as in
// the binary: errors are returned rather than printed by cobra, flag
// errors become UsageErrors that say what to write (see flagError), and
// --version prints the version the binary was built as.
//
// --help and --version write to standard output: they are what a person
// asked for (`crashmail --help | less`), and a listener that prints its
// help exits without speaking the protocol anyway. Mistakes on the
// command line go to standard error, which supervisord keeps as the
// listener's stderr log.
func Setup(cmd *cobra.Command) *cobra.Command {
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	cmd.Version = Version()
	cmd.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &UsageError{Err: flagError(err)}
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

// version is the version `make build` stamps into every binary, from `git
// describe` (-ldflags "-X github.com/golance/golance/plugins/internal/cli.version=...").
var version string

// Version returns the version the binary was built as, in the form the
// Makefile stamps (a release "1.2.3", or "0.0.0-<commit>" before one):
// the version `make build` stamped; else the module's version Go recorded
// (`go install ...@v1.2.3`, or the pseudo-version of a checkout);
// else 0.0.0-<revision> from the VCS information Go recorded; else, for
// a build with neither (go build with -buildvcs=false, or from a source
// tarball), 0.0.0-unknown and how to get a version stamped, rather than
// Go's bare "(devel)".
func Version() string {
	if version != "" {
		return version
	}
	info, _ := debug.ReadBuildInfo()
	return versionOf(info)
}

// unstamped is the version of a build that recorded none.
const unstamped = "0.0.0-unknown (built without a version stamp: make build stamps one)"

func versionOf(info *debug.BuildInfo) string {
	if info == nil {
		return unstamped
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return strings.TrimPrefix(v, "v")
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	if rev == "" {
		return unstamped
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return "0.0.0-" + rev + modified
}

// Main runs cmd with the process's arguments and exits. It is the whole
// body of every cmd/<name>/main.go, and so the process is the command's
// own: a listener may tune its runtime (ownProcess).
func Main(cmd *cobra.Command) {
	ownProcess = true
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
	var status ExitStatus
	if errors.As(err, &status) {
		return int(status)
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
