// Package clitest runs a plugin's command line in its tests: the flags
// read into the plugin's config as the binary reads them, and the exit
// status and message of a refusal, without serving.
package clitest

import (
	"bytes"
	"context"
	"testing"

	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/cobra"
)

// Parse runs args through the command that newCommand, a plugin's
// constructor taking what the command does once its flags are read, makes
// with a run that keeps the config it is handed instead of serving. It
// returns that config (the zero C when the command line was refused), the
// exit status and standard error. Anything written to standard output,
// which belongs to the protocol, fails the test.
func Parse[C any](t testing.TB, newCommand func(run func(*cobra.Command, C) error) *cobra.Command, args ...string) (C, int, string) {
	t.Helper()
	var got C
	cmd := newCommand(func(_ *cobra.Command, cfg C) error {
		got = cfg
		return nil
	})
	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), cmd, args, &stdout, &stderr)
	if stdout.Len() > 0 {
		t.Errorf("%q wrote to stdout: %q", args, stdout.String())
	}
	return got, code, stderr.String()
}
