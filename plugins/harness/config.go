package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/cli"
)

// config is every setting of supervisor-harness.
type config struct {
	// configFile is -c: the supervisord.conf every scenario runs under.
	// Empty means the scenario's own supervisord.conf, else the sections
	// the listener flags describe.
	configFile string
	// listenerCommand, events and programs describe a configuration
	// without a file: one [eventlistener:listener] and virtual programs.
	listenerCommand string
	name            string
	events          []string
	programs        []string

	// record prints each scenario's transcript on standard output.
	record bool
	// probe ends each scenario by probing every listener with non-ASCII
	// text (see probe.go).
	probe bool
	// timeout bounds every wait for the listener.
	timeout time.Duration
	// verbose prints each scenario's log even when it passes.
	verbose bool
	// keep leaves the work directories in place.
	keep bool

	scenarios []string
}

// validate refuses settings that cannot run, naming the fix.
func (c *config) validate() error {
	if len(c.scenarios) == 0 {
		return cli.Usagef("no scenario given: name one or more .txtar files, e.g. supervisor-harness -c supervisord.conf tests/*.txtar")
	}
	for _, s := range c.scenarios {
		if st, err := os.Stat(s); err != nil || st.IsDir() {
			return cli.Usagef("scenario %q is not a readable file: name a .txtar script", s)
		}
	}
	if c.configFile != "" && c.listenerCommand != "" {
		return cli.Usagef("-c and --listener both given: the listener comes from supervisord.conf or from the flags, not both")
	}
	if c.listenerCommand == "" && (len(c.events) > 0 || len(c.programs) > 0 || c.name != "listener") {
		return cli.Usagef("--name, --events and --program describe the listener of --listener: give --listener too, or use -c supervisord.conf")
	}
	if c.listenerCommand != "" && len(c.events) == 0 {
		return cli.Usagef("--listener needs --events: name what it subscribes to, e.g. --events PROCESS_STATE")
	}
	for _, e := range c.events {
		if _, err := listener.ParseEventType(e); err != nil {
			return cli.Usagef("--events %s: %v", e, err)
		}
	}
	if c.timeout <= 0 {
		return cli.Usagef("--timeout %v: give a positive duration, e.g. 10s", c.timeout)
	}
	return nil
}

// flagSections is the supervisord.conf text the listener flags describe.
func (c *config) flagSections() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[eventlistener:%s]\ncommand=%s\nevents=%s\n", c.name, c.listenerCommand, strings.Join(c.events, ","))
	for _, p := range c.programs {
		// The command is never run: programs are virtual in a scenario.
		fmt.Fprintf(&b, "\n[program:%s]\ncommand=/bin/true\n", p)
	}
	return b.String()
}

// configText returns the supervisord.conf a scenario runs under and the
// directory %(here)s means, given the scenario's work directory.
func (c *config) configText(work string) (text, here string, err error) {
	switch {
	case c.configFile != "":
		b, err := os.ReadFile(c.configFile)
		if err != nil {
			return "", "", fmt.Errorf("cannot read -c file: %w", err)
		}
		abs, err := filepath.Abs(c.configFile)
		if err != nil {
			return "", "", err
		}
		return string(b), filepath.Dir(abs), nil
	case c.listenerCommand != "":
		return c.flagSections(), work, nil
	}
	b, err := os.ReadFile(filepath.Join(work, "supervisord.conf"))
	if err != nil {
		return "", "", fmt.Errorf("no configuration: give -c supervisord.conf or --listener, or put a -- supervisord.conf -- file in the scenario")
	}
	return string(b), work, nil
}
