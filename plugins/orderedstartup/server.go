package orderedstartup

import (
	"net"
	"path/filepath"
	"strings"

	"github.com/golance/golance/listener/rpc"
)

// Connect returns a client for the supervisord that runs c. The address
// comes from SUPERVISOR_SERVER_URL, which supervisord gives its children,
// or, when that is not set (someone runs --plan by hand), from the
// configuration: [supervisorctl] serverurl as supervisorctl uses it, else
// the [unix_http_server] file, else the [inet_http_server] port.
//
// supervisord never passes credentials to its children. When
// SUPERVISOR_USERNAME is not set, the username and password of the
// configuration's matching server section are used, so a password-
// protected supervisord needs no environment= line for this listener. A
// password stored as {SHA}... cannot be used that way.
func Connect(c *Conf, lookup func(string) (string, bool)) (*rpc.Client, error) {
	var opts []rpc.Option
	url, hasURL := lookup("SUPERVISOR_SERVER_URL")
	if hasURL && url != "" {
		if _, ok := lookup("SUPERVISOR_USERNAME"); !ok {
			if user, pass, ok := c.serverCredentials(url); ok {
				opts = append(opts, rpc.WithBasicAuth(user, pass))
			}
		}
		return rpc.FromEnvLookup(lookup, opts...)
	}
	url, user, pass := c.serverURL()
	if url == "" {
		return nil, rpc.ErrNoServerURL
	}
	if u, ok := lookup("SUPERVISOR_USERNAME"); ok {
		user = u
		pass, _ = lookup("SUPERVISOR_PASSWORD")
	}
	if user != "" {
		opts = append(opts, rpc.WithBasicAuth(user, pass))
	}
	return rpc.New(url, opts...)
}

// serverURL finds the address supervisorctl would use, with credentials.
func (c *Conf) serverURL() (url, user, pass string) {
	if s, ok := c.Section("supervisorctl"); ok {
		if u, ok, err := c.Get(s, "serverurl", nil); ok && err == nil && u != "" {
			user, _, _ = c.Get(s, "username", nil)
			pass, _, _ = c.Get(s, "password", nil)
			if user == "" {
				if su, sp, ok := c.serverCredentials(u); ok {
					user, pass = su, sp
				}
			}
			return u, user, pass
		}
	}
	if s, ok := c.Section("unix_http_server"); ok {
		if f, ok, err := c.Get(s, "file", nil); ok && err == nil && f != "" {
			u := "unix://" + c.absPath(f)
			user, pass, _ := c.serverCredentials(u)
			return u, user, pass
		}
	}
	if s, ok := c.Section("inet_http_server"); ok {
		if port, ok, err := c.Get(s, "port", nil); ok && err == nil && port != "" {
			host, p, err := net.SplitHostPort(port)
			if err != nil {
				host, p = "", port
			}
			if host == "" || host == "*" {
				host = "localhost"
			}
			u := "http://" + net.JoinHostPort(host, p)
			user, pass, _ := c.serverCredentials(u)
			return u, user, pass
		}
	}
	return "", "", ""
}

// serverCredentials returns the username and password of the server
// section that serves url.
func (c *Conf) serverCredentials(url string) (user, pass string, ok bool) {
	var s *Section
	if path, isUnix := strings.CutPrefix(url, "unix://"); isUnix {
		sec, found := c.Section("unix_http_server")
		if !found {
			return "", "", false
		}
		if f, _, _ := c.Get(sec, "file", nil); c.absPath(f) != filepath.Clean(path) {
			return "", "", false
		}
		s = sec
	} else if sec, found := c.Section("inet_http_server"); found {
		s = sec
	} else {
		return "", "", false
	}
	user, _, _ = c.Get(s, "username", nil)
	pass, _, _ = c.Get(s, "password", nil)
	if user == "" || strings.HasPrefix(pass, "{SHA}") {
		return "", "", false
	}
	return user, pass, true
}

// absPath resolves a path from the configuration as supervisord does:
// relative to its working directory, which for a listener is ours unless
// directory= says otherwise. Paths in configurations are almost always
// absolute or made so with %(here)s.
func (c *Conf) absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
