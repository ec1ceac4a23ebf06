package orderedstartup

import (
	"fmt"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/listener/rpc"
)

// connect returns a client for the supervisord that runs c, at the URL
// and with the credentials supervisorconf's Endpoint finds: the address
// from SUPERVISOR_SERVER_URL, which supervisord gives its children, or,
// when that is not set (someone runs --plan by hand), from the
// configuration; the credentials from SUPERVISOR_USERNAME and
// SUPERVISOR_PASSWORD, or else those of the server section that serves the
// address, so that a password-protected supervisord needs no environment=
// line for this listener. A password stored as {SHA}... cannot be used
// that way.
func connect(c *supervisorconf.Config, lookup func(string) (string, bool)) (*rpc.Client, error) {
	ep, err := c.Endpoint(lookup)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errConf, err)
	}
	if ep.URL == "" {
		return nil, rpc.ErrNoServerURL
	}
	var opts []rpc.Option
	if ep.Username != "" {
		opts = append(opts, rpc.WithBasicAuth(ep.Username, ep.Password))
	}
	return rpc.New(ep.URL, opts...)
}
