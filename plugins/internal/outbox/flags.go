package outbox

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/golance/golance/internal/manual"
	"github.com/spf13/pflag"
)

// Flag names, shared by every notifier.
const (
	FlagOutbox       = "outbox"
	FlagOutboxMax    = "outbox-max"
	FlagOutboxMaxAge = "outbox-max-age"
)

// Flags holds the outbox flags of one command.
type Flags struct {
	Dir      string
	MaxItems int
	MaxAge   time.Duration
}

// RegisterFlags adds --outbox, --outbox-max and --outbox-max-age to fs.
func RegisterFlags(fs *pflag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Dir, FlagOutbox, "",
		"keep undelivered notifications in this `directory` and deliver them in the background, "+
			"so that events are answered at once whatever the mail server or service does; \"none\" "+
			"delivers each one before answering its event (default: $STATE_DIRECTORY, else "+SystemDir+
			" if writable, else ~/.local/state/golance, plus the listener's name)")
	fs.IntVar(&f.MaxItems, FlagOutboxMax, DefaultMaxItems,
		"keep at most `n` undelivered notifications per destination; beyond that the oldest are replaced by a summary")
	fs.DurationVar(&f.MaxAge, FlagOutboxMaxAge, DefaultMaxAge,
		"keep an undelivered notification at most this `long` (e.g. 24h); older ones are replaced by a summary")
	manual.EnvFlag(fs, FlagOutbox, manual.EnvVar{Name: "STATE_DIRECTORY", Text: "Where the outbox lives when --outbox is not given (systemd sets it for a unit with StateDirectory=), under a directory named after the listener."})
	return f
}

// Validate checks the values; its error names the flag and the fix.
func (f *Flags) Validate() error {
	if f.MaxItems < 1 {
		return fmt.Errorf("invalid --%s %d: give a number of notifications, 1 or more", FlagOutboxMax, f.MaxItems)
	}
	if f.MaxAge < time.Minute {
		return fmt.Errorf("invalid --%s %s: give a duration of a minute or more, e.g. 24h", FlagOutboxMaxAge, f.MaxAge)
	}
	return nil
}

// Apply copies the flags into cfg.
func (f *Flags) Apply(cfg *Config) {
	cfg.Dir, cfg.MaxItems, cfg.MaxAge = f.Dir, f.MaxItems, f.MaxAge
}

// Open opens the outbox the flags describe, for the listener program
// (which names its directory outside supervisord), delivering to sinks
// and logging to log.
func (f *Flags) Open(program string, log *slog.Logger, sinks map[string]Sink) (*Outbox, error) {
	cfg := Config{Program: program, Log: log, Sinks: sinks}
	f.Apply(&cfg)
	return Open(cfg)
}
