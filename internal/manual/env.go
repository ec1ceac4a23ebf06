package manual

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// An EnvVar is an environment variable a binary reads, as its man page's
// ENVIRONMENT section lists it.
type EnvVar struct {
	Name string
	// Text says what the variable does, as a sentence.
	Text string
}

// envAnnotation keys the variables recorded on a command or a flag.
const envAnnotation = "golance/env"

// supervisorSelf is what supervisord sets for each of its children, read
// by a binary that runs as a listener (IsListener) and by no other.
var supervisorSelf = []EnvVar{
	{"SUPERVISOR_PROCESS_NAME", "Set by supervisord to this listener's process name; with SUPERVISOR_GROUP_NAME it is how the listener knows itself: it leaves itself out of the processes it watches, and names its outbox after itself."},
	{"SUPERVISOR_GROUP_NAME", "Set by supervisord to this listener's group name."},
}

// goRuntime is what a listener reads of the Go runtime's own settings,
// which it sets otherwise for the least resident memory (see
// plugins/internal/cli, tuneRuntime).
var goRuntime = []EnvVar{
	{"GOMAXPROCS", "How many threads may run Go code at once; a listener runs with 1 unless this is set, as it handles one event at a time."},
	{"GOGC", "How far the heap may grow between garbage collections, in percent of what is live; a listener runs with 50 unless this is set (the Go default is 100), to keep its memory small."},
}

// SupervisorRPC is what a binary that calls supervisord back over XML-RPC
// reads to find and log in to it.
var SupervisorRPC = []EnvVar{
	{"SUPERVISOR_SERVER_URL", "Set by supervisord to the URL of its XML-RPC interface (unix:// for a socket, http:// for an inet server); calls to supervisord go there."},
	{"SUPERVISOR_USERNAME", "The user name supervisord's [unix_http_server] or [inet_http_server] section requires, if it requires one; supervisord does not set it: the listener inherits it from supervisord's own environment, or gets it from environment= in the [eventlistener:x] section."},
	{"SUPERVISOR_PASSWORD", "The password that goes with SUPERVISOR_USERNAME."},
}

// Environment records on cmd environment variables its binary reads,
// beyond those its flags record (EnvFlag) and those supervisord sets for
// every child.
func Environment(cmd *cobra.Command, vars ...EnvVar) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	lines := []string{}
	if s := cmd.Annotations[envAnnotation]; s != "" {
		lines = append(lines, s)
	}
	for _, v := range vars {
		lines = append(lines, v.Name+"\t"+v.Text)
	}
	cmd.Annotations[envAnnotation] = strings.Join(lines, "\n")
}

// EnvFlag records that flag of fs has an environment variable standing
// in for it, so that every binary with the flag lists the variable.
func EnvFlag(fs *pflag.FlagSet, flag string, v EnvVar) {
	if err := fs.SetAnnotation(flag, envAnnotation, []string{v.Name, v.Text}); err != nil {
		panic(err) // a flag name mistyped in a registration function
	}
}

// IsListener reports whether cmd runs as a supervisord event listener:
// its examples show the [eventlistener:x] section that runs it. The
// golance command, supervisor-harness and essential run show none: they
// are started by hand or start supervisord, and are no child of it.
func IsListener(cmd *cobra.Command) bool {
	return strings.Contains(cmd.Example, "[eventlistener:")
}

// EnvironmentOf returns the environment variables cmd's binary reads:
// for a listener, what supervisord sets for each child; then those
// recorded with Environment, then those of its flags, then, for a
// listener, the Go runtime's settings it leaves to the environment; each
// once.
func EnvironmentOf(cmd *cobra.Command) []EnvVar {
	var out []EnvVar
	if IsListener(cmd) {
		out = append(out, supervisorSelf...)
	}
	for l := range strings.SplitSeq(cmd.Annotations[envAnnotation], "\n") {
		if name, text, ok := strings.Cut(l, "\t"); ok {
			out = append(out, EnvVar{name, text})
		}
	}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if v := f.Annotations[envAnnotation]; len(v) == 2 {
			out = append(out, EnvVar{v[0], v[1]})
		}
	})
	if IsListener(cmd) {
		out = append(out, goRuntime...)
	}
	seen := map[string]bool{}
	uniq := out[:0]
	for _, v := range out {
		if !seen[v.Name] {
			seen[v.Name] = true
			uniq = append(uniq, v)
		}
	}
	return uniq
}
