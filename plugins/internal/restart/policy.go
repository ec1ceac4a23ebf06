package restart

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// DefaultWindow is the restart budget's window when none is given.
const DefaultWindow = time.Hour

// Policy is the flap control shared by memmon and httpok.
type Policy struct {
	// Consecutive is how many failed checks in a row it takes before a
	// process is restarted; 1 (or less) acts on the first, as superlance
	// does.
	Consecutive int
	// MaxRestarts is the most restarts of one process within Window;
	// zero means no limit, as in superlance.
	MaxRestarts int
	// Window is the span MaxRestarts counts over; DefaultWindow if zero.
	Window time.Duration
}

// AddFlags defines the policy's flags on fs, with p's fields as defaults:
// --consecutive, --max-restarts and --restart-window. failures says what
// counts as a failed check in the plugin's words ("ticks over the limit").
func (p *Policy) AddFlags(fs *pflag.FlagSet, failures string) {
	if p.Consecutive < 1 {
		p.Consecutive = 1
	}
	if p.Window <= 0 {
		p.Window = DefaultWindow
	}
	fs.IntVar(&p.Consecutive, "consecutive", p.Consecutive,
		"restart only after `N` "+failures+" in a row (1: at the first, as superlance)")
	p.AddBudgetFlags(fs)
}

// AddBudgetFlags defines the restart budget's flags alone on fs, with p's
// fields as defaults: --max-restarts and --restart-window, for a plugin
// whose restarts follow no failed checks (ordered-startup's runtime
// dependencies).
func (p *Policy) AddBudgetFlags(fs *pflag.FlagSet) {
	if p.Consecutive < 1 {
		p.Consecutive = 1 // such a plugin acts at once
	}
	if p.Window <= 0 {
		p.Window = DefaultWindow
	}
	fs.IntVar(&p.MaxRestarts, "max-restarts", p.MaxRestarts,
		"restart each process at most `K` times per --restart-window; past that, log and mail instead of restarting (0: no limit)")
	fs.DurationVar(&p.Window, "restart-window", p.Window,
		"the `duration` --max-restarts counts restarts over, e.g. 30m or 2h")
}

// Validate reports a policy that cannot work, naming the flag to fix.
func (p Policy) Validate() error {
	switch {
	case p.Consecutive < 1:
		return fmt.Errorf("--consecutive must be 1 or more, got %d", p.Consecutive)
	case p.MaxRestarts < 0:
		return fmt.Errorf("--max-restarts must be 0 (no limit) or more, got %d", p.MaxRestarts)
	case p.Window < 0 || (p.MaxRestarts > 0 && p.Window == 0):
		return errors.New("--restart-window must be a positive duration such as 1h")
	}
	return nil
}

func (p Policy) window() time.Duration {
	if p.Window <= 0 {
		return DefaultWindow
	}
	return p.Window
}
