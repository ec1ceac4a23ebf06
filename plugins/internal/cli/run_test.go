package cli

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"
)

// drainer is a listener with work to finish after it stops serving.
type drainer struct{ handled int }

func (d *drainer) HandleEvent(ctx context.Context, ev listener.Event) error {
	d.handled++
	return nil
}

func (d *drainer) Shutdown(ctx context.Context) error {
	deadline, ok := ctx.Deadline()
	fmt.Fprintf(os.Stderr, "draining after %d events, deadline set: %v, within %v\n", d.handled, ok, time.Until(deadline) <= DrainTimeout)
	return nil
}

func drainerMain() {
	cmd := Setup(&cobra.Command{Use: "drainer", RunE: func(cmd *cobra.Command, args []string) error {
		return RunListener(cmd, &drainer{}, Logger(cmd), DrainTimeout)
	}})
	Main(cmd)
}

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"drainer": drainerMain})
}

func TestRunListenerScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata"})
}
