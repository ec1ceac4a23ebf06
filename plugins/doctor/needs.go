package doctor

import (
	"github.com/golance/golance/listener"
	"github.com/spf13/pflag"
)

// A need is what a plugin's command line asks of its [eventlistener:x]
// section and of supervisord.
type need struct {
	// events must each be delivered to the pool.
	events []requirement
	// rpc: the listener calls supervisord back with the URL supervisord
	// gives it and the credentials of its environment (listener/rpc
	// FromEnv), so the server it reaches must exist, serve the supervisor
	// interface, and accept the SUPERVISOR_USERNAME and
	// SUPERVISOR_PASSWORD of environment=.
	rpc bool
	// rpcFromFile: the listener calls supervisord back too, but reads the
	// URL and the credentials from supervisord.conf itself
	// (ordered-startup), so environment= needs no credentials.
	rpcFromFile bool
}

// A requirement is an event the listener must be given: one of types,
// each through its own name or a base type of it in events=.
type requirement struct {
	types []listener.EventType
	// why completes "...: <plugin> <why>".
	why string
}

var anyTick = []listener.EventType{listener.Tick5, listener.Tick60, listener.Tick3600}

// delivered reports whether a pool subscribed to events gets an event of
// one of r's types.
func (r requirement) delivered(events []listener.EventType) bool {
	for _, t := range r.types {
		for _, sub := range events {
			if t.Is(sub) {
				return true
			}
		}
	}
	return false
}

// needs says, per plugin, what its parsed command line needs. It is here,
// beside the checks that use it, because the plugins export only their
// commands; TestShippedSnippetsAreHealthy holds every plugin's own
// examples to it.
var needs = map[string]func(fs *pflag.FlagSet) need{
	"crashmail": func(*pflag.FlagSet) need {
		return need{rpc: true, events: []requirement{
			{[]listener.EventType{listener.ProcessStateExited}, "mails each unexpected exit, a PROCESS_STATE_EXITED event"},
		}}
	},
	"crashmailbatch": func(fs *pflag.FlagSet) need { return batch(fs, listener.ProcessStateExited, "unexpected exits") },
	"crashsms":       func(fs *pflag.FlagSet) need { return batch(fs, listener.ProcessStateExited, "unexpected exits") },
	"fatalmailbatch": func(fs *pflag.FlagSet) need { return batch(fs, listener.ProcessStateFatal, "processes gone FATAL") },
	"memmon": func(*pflag.FlagSet) need {
		return need{rpc: true, events: []requirement{{anyTick, "measures memory at each TICK_5, TICK_60 or TICK_3600 event"}}}
	},
	"httpok": func(*pflag.FlagSet) need {
		return need{rpc: true, events: []requirement{{anyTick, "checks its URL at each TICK_5, TICK_60 or TICK_3600 event"}}}
	},
	"ordered-startup": func(*pflag.FlagSet) need {
		var reqs []requirement
		for _, t := range []listener.EventType{listener.ProcessStateRunning, listener.ProcessStateExited, listener.ProcessStateBackoff, listener.ProcessStateFatal} {
			reqs = append(reqs, requirement{[]listener.EventType{t}, "follows each program it starts through its PROCESS_STATE events"})
		}
		reqs = append(reqs, requirement{[]listener.EventType{listener.ProcessGroupAdded}, "follows supervisorctl update through PROCESS_GROUP events"})
		return need{rpcFromFile: true, events: reqs}
	},
	"slack-notify": func(fs *pflag.FlagSet) need {
		n := need{rpc: true, events: []requirement{
			{[]listener.EventType{listener.ProcessStateExited}, "alerts on unexpected exits (PROCESS_STATE_EXITED)"},
			{[]listener.EventType{listener.ProcessStateFatal}, "alerts on PROCESS_STATE_FATAL"},
			{[]listener.EventType{listener.ProcessStateRunning}, "posts recoveries on PROCESS_STATE_RUNNING"},
		}}
		if w, err := fs.GetDuration("window"); err == nil && w > 0 {
			n.events = append(n.events, requirement{anyTick, "closes its --window of " + w.String() + " on a TICK event, or its summaries wait for the next recovery"})
		}
		return n
	},
	"supervisord_exporter": func(*pflag.FlagSet) need {
		return need{rpc: true, events: []requirement{
			{[]listener.EventType{listener.ProcessState}, "counts every process state change (PROCESS_STATE)"},
			{[]listener.EventType{listener.ProcessGroupAdded}, "learns of new groups from PROCESS_GROUP events"},
			{[]listener.EventType{listener.SupervisorStateChangeStopping}, "sees supervisord stop through SUPERVISOR_STATE_CHANGE"},
			{anyTick, "refreshes its metrics at each TICK event"},
		}}
	},
	"essential": func(fs *pflag.FlagSet) need {
		n := need{rpc: true, events: []requirement{
			{[]listener.EventType{listener.ProcessStateFatal}, "shuts supervisord down when a watched program goes FATAL"},
		}}
		if f := fs.Lookup("on"); f != nil && f.Value.String() != "fatal" {
			n.events = append(n.events, requirement{[]listener.EventType{listener.ProcessStateExited}, "with --on " + f.Value.String() + " also acts on exits (PROCESS_STATE_EXITED)"})
		}
		return n
	},
	"eventdump": func(*pflag.FlagSet) need { return need{} },
}

// batch is the need of the three batch mailers: the state they collect and
// the tick of -e/--tickEvent that sends the batch.
func batch(fs *pflag.FlagSet, state listener.EventType, what string) need {
	tick := listener.Tick60
	if v, err := fs.GetString("tickEvent"); err == nil && v != "" {
		if t, err := listener.ParseEventType(v); err == nil {
			tick = t
		}
	}
	return need{events: []requirement{
		{[]listener.EventType{state}, "collects " + what + " from " + string(state) + " events"},
		{[]listener.EventType{tick}, "counts its interval in " + string(tick) + " events, set by -e/--tickEvent"},
	}}
}
