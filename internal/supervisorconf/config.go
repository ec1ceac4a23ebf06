package supervisorconf

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// A Config is a supervisord configuration as supervisord's parser holds it
// once the main file and its includes are read: sections of raw values.
// The typed accessors (Supervisord, Groups, Servers, ...) read them as
// supervisord does, with its defaults, expansions and checks.
type Config struct {
	// Path is the main file, absolute; Here is its directory, the
	// %(here)s of every section that does not come from an included file.
	Path, Here string
	// Files lists the files read: Path, then the included ones in the
	// order supervisord reads them.
	Files []string
	// Warnings are what supervisord logs as warnings while reading, such
	// as an include pattern that matches no file.
	Warnings []string

	sections []*Section
	byName   map[string]*Section
	defaults *Section
	env      []string
	hostname string
	// environ holds ENV_X for supervisord's environment, extended by
	// [supervisord] environment= once Supervisord has read it, as
	// supervisord extends its own.
	environ map[string]any
}

// Sections returns the sections in the order they first appeared, without
// [DEFAULT].
func (c *Config) Sections() []*Section { return append([]*Section(nil), c.sections...) }

// Section returns the section called name ("program:web"), matched as
// supervisord matches it: exactly, case included.
func (c *Config) Section(name string) (*Section, bool) {
	s, ok := c.byName[name]
	return s, ok
}

// Defaults returns the [DEFAULT] section, whose keys every section
// inherits; it is empty when the files have none.
func (c *Config) Defaults() *Section { return c.defaults }

// Hostname returns %(host_node_name)s.
func (c *Config) Hostname() string { return c.hostname }

// Lookup returns the raw value of key in section, or else in [DEFAULT],
// as supervisord's parser finds it.
func (c *Config) Lookup(section *Section, key string) (*Value, bool) { return c.lookup(section, key) }

func (c *Config) lookup(s *Section, key string) (*Value, bool) {
	if v, ok := s.Lookup(key); ok {
		return v, true
	}
	return c.defaults.Lookup(key)
}

// keysWithDefaults returns s's keys as configparser's items() lists them:
// [DEFAULT]'s first, then the section's own.
func (c *Config) keysWithDefaults(s *Section) []string {
	keys := c.defaults.Keys()
	for _, k := range s.order {
		if _, inherited := c.defaults.keys[k]; !inherited {
			keys = append(keys, k)
		}
	}
	return keys
}

// Get returns the value of key in section, or in [DEFAULT], expanded as
// supervisord's saneget expands it: with ENV_X for every variable of
// supervisord's environment and the names in expansions, which take
// precedence. supervisord offers a [program:x] section here, program_name,
// group_name and host_node_name (see Program.Get), [supervisord] only
// here. ok is false when neither section has the key.
func (c *Config) Get(section *Section, key string, expansions map[string]any) (value string, ok bool, err error) {
	v, ok := c.lookup(section, key)
	if !ok {
		return "", false, nil
	}
	s, err := c.expand(v.Text, expansions, section.Name+"."+foldKey(key))
	if err != nil {
		return "", true, c.valueError(section, key, v, err, "")
	}
	return s, true, nil
}

// expand is supervisord's expand with c's environment under expansions.
func (c *Config) expand(s string, expansions map[string]any, name string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	all := maps.Clone(c.environ)
	maps.Copy(all, expansions)
	return Expand(s, all, name)
}

// valueError places err, found in the value v of key in section, in the
// file. An *Error from Expand keeps its problem and fix; anything else
// becomes the problem, with fix.
func (c *Config) valueError(section *Section, key string, v *Value, err error, fix string) error {
	e := &Error{Section: section.Name, Key: foldKey(key), Problem: err.Error(), Fix: fix, Err: err}
	if v != nil {
		e.File, e.Line, e.Value = v.File, v.Line, v.Text
	} else {
		e.File, e.Line = section.File, section.Line
	}
	var inner *Error
	if errors.As(err, &inner) {
		e.Problem, e.Fix, e.Err = inner.Problem, inner.Fix, inner.Err
	}
	return e
}

// warnf adds a warning, once.
func (c *Config) warnf(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(c.Warnings, w) {
		c.Warnings = append(c.Warnings, w)
	}
}

// Check reads everything supervisord reads when it starts, in its order
// ([supervisord], the [rpcinterface:x] sections, the process groups, the
// servers), and returns the first error supervisord would stop at, or
// nil if it would start. Its checks of the system are made on this
// machine: users, directories of log files, and the like.
func (c *Config) Check() error {
	if _, err := c.Supervisord(); err != nil {
		return err
	}
	if _, err := c.RPCInterfaces(); err != nil {
		return err
	}
	if _, err := c.Groups(); err != nil {
		return err
	}
	_, err := c.Servers()
	return err
}

// getenv looks a variable up in supervisord's environment.
func (c *Config) getenv(name string) string {
	for _, kv := range c.env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
