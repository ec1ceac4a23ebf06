package testharness

import (
	"context"
	"os"
	"strings"
)

// childEnv is the environment of a child: the harness's, the SUPERVISOR_*
// variables, then the process's own (which win, as environment= does).
func (s *Supervisor) childEnv(p *subprocess) []string {
	env := append([]string(nil), s.env...)
	env = append(env, "SUPERVISOR_ENABLED=1")
	url := p.spec.cfg.ServerURL
	if url == "" {
		url = s.serverURL
	}
	if url != "" {
		env = append(env, "SUPERVISOR_SERVER_URL="+url)
	}
	env = append(env, "SUPERVISOR_PROCESS_NAME="+p.spec.name, "SUPERVISOR_GROUP_NAME="+p.g.name)
	return append(env, p.spec.cfg.Env...)
}

// envKey carries an in-process child's environment in its context.
type envKey struct{}

// LookupEnv returns a function with the signature of os.LookupEnv that
// reads the environment an in-process child (a RunFunc, or a Pool's
// Handler) would have had as a real child: Config.Env, the SUPERVISOR_*
// variables and ProcessConfig.Env. Pass it the ctx the RunFunc or handler
// received; for any other context it is os.LookupEnv. For example, an
// in-process listener reaches the fake XML-RPC server with
// rpc.FromEnvLookup(testharness.LookupEnv(ctx)).
func LookupEnv(ctx context.Context) func(key string) (string, bool) {
	env, ok := ctx.Value(envKey{}).([]string)
	if !ok {
		return os.LookupEnv
	}
	return func(key string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if v, found := strings.CutPrefix(env[i], key+"="); found {
				return v, true
			}
		}
		return "", false
	}
}
