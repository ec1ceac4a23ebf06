package supervisorconf

// An Endpoint is where a client reaches supervisord, and the credentials
// it sends ("" for none).
type Endpoint struct {
	URL                string
	Username, Password string
}

// Endpoint returns what a client of the supervisord running this
// configuration should use, with the environment read through lookup
// (os.LookupEnv): the URL is SUPERVISOR_SERVER_URL, which supervisord
// gives its children, or else [supervisorctl] serverurl=, or else the
// URL supervisord would give (ServerURL). The credentials are
// SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD when SUPERVISOR_USERNAME is
// set, or else [supervisorctl]'s for its URL, or else those of the server
// section serving the URL: supervisord never passes credentials to its
// children, so a listener needs no environment= line for them. URL is ""
// when the configuration serves nothing.
func (c *Config) Endpoint(lookup func(string) (string, bool)) (Endpoint, error) {
	var ep Endpoint
	if url, ok := lookup("SUPERVISOR_SERVER_URL"); ok && url != "" {
		ep.URL = url
	} else if ctl, ok, err := c.Supervisorctl(); err != nil {
		return Endpoint{}, err
	} else if _, written := c.lookupCtl("serverurl"); ok && written && ctl.ServerURL != "" {
		ep = Endpoint{URL: ctl.ServerURL, Username: ctl.Username, Password: ctl.Password}
	} else if ep.URL, err = c.ServerURL(); err != nil {
		return Endpoint{}, err
	}
	if user, ok := lookup("SUPERVISOR_USERNAME"); ok {
		ep.Username = user
		ep.Password, _ = lookup("SUPERVISOR_PASSWORD")
	} else if ep.Username == "" && ep.URL != "" {
		ep.Username, ep.Password, _ = c.Credentials(ep.URL)
	}
	return ep, nil
}

// lookupCtl reports whether [supervisorctl] has key.
func (c *Config) lookupCtl(key string) (*Value, bool) {
	s, ok := c.Section("supervisorctl")
	if !ok {
		return nil, false
	}
	return c.lookup(s, key)
}
