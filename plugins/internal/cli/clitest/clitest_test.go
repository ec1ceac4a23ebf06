package clitest

import (
	"strings"
	"testing"

	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/cobra"
)

// newCommand is a plugin's constructor in miniature: -n into its config.
func newCommand(run func(*cobra.Command, int) error) *cobra.Command {
	var n int
	cmd := &cobra.Command{Use: "mini", RunE: func(cmd *cobra.Command, _ []string) error {
		if n < 0 {
			return cli.Usagef("-n must be 0 or more, got %d", n)
		}
		return run(cmd, n)
	}}
	cli.Setup(cmd)
	cmd.Flags().IntVarP(&n, "number", "n", 1, "a `number`")
	return cmd
}

func TestParse(t *testing.T) {
	t.Parallel()
	if n, code, stderr := Parse(t, newCommand, "-n", "7"); n != 7 || code != cli.ExitOK || stderr != "" {
		t.Errorf("-n 7: %d, exit %d, %q", n, code, stderr)
	}
	if n, code, stderr := Parse(t, newCommand, "-n", "-2"); n != 0 || code != cli.ExitUsage || !strings.Contains(stderr, "-n must be 0 or more, got -2") {
		t.Errorf("-n -2: %d, exit %d, %q", n, code, stderr)
	}
}
