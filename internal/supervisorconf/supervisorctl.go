package supervisorconf

import "strings"

// Supervisorctl is the [supervisorctl] section as supervisorctl reads it.
type Supervisorctl struct {
	Section *Section
	// ServerURL is serverurl=, http://localhost:9001 by default, a
	// unix:// path made absolute.
	ServerURL string
	// Username and Password are what supervisorctl sends, "" for none.
	Username, Password string
	Prompt             string // supervisor
	HistoryFile        string // "" for none
}

// Supervisorctl reads the [supervisorctl] section; ok is false when there
// is none, which supervisorctl refuses when it reads this file.
func (c *Config) Supervisorctl() (ctl *Supervisorctl, ok bool, err error) {
	s, ok := c.Section("supervisorctl")
	if !ok {
		return nil, false, nil
	}
	r := reader{c: c, s: s, expansions: map[string]any{"here": c.Here}}
	ctl = &Supervisorctl{Section: s}
	ctl.ServerURL = r.must("serverurl", "http://localhost:9001")
	if path, isUnix := strings.CutPrefix(ctl.ServerURL, "unix://"); isUnix {
		ctl.ServerURL = "unix://" + c.normalizePath(path)
	}
	r.expansions = nil
	ctl.Prompt = r.must("prompt", "supervisor")
	ctl.Username, _ = r.get("username", nil)
	ctl.Password, _ = r.get("password", nil)
	r.expansions = map[string]any{"here": c.Here}
	if h, ok := r.get("history_file", nil); ok && h != "" {
		ctl.HistoryFile = c.normalizePath(h)
	}
	if r.err != nil {
		return nil, true, r.err
	}
	return ctl, true, nil
}
