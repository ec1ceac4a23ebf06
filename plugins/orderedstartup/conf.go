package orderedstartup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/ini.v1"
)

// ErrConf is wrapped by every error about the contents of the
// configuration: a file that cannot be read or parsed, a bad value.
var ErrConf = errors.New("bad supervisord configuration")

// A Conf is a supervisord configuration read the way supervisord 4.2
// reads it: the main file, then the files its [include] section names,
// merged section by section, with %(here)s replaced by the directory of
// the file each value comes from. Other %(name)s expansions happen when a
// value is read with Get, as supervisord expands them when it reads an
// option.
type Conf struct {
	// Path is the main file, as an absolute path.
	Path string
	// Files lists every file read, the main one first, then the included
	// ones in the order supervisord reads them.
	Files []string
	// Warnings holds what supervisord would log as a warning while
	// reading, such as an include pattern that matches no file.
	Warnings []string

	sections []*Section
	byName   map[string]*Section
	defaults *Section
	env      func(string) (string, bool)
	hostname string
}

// A Section is one [name] of a Conf, with the keys of every file that
// contributed to it.
type Section struct {
	// Name is the text between the brackets, case preserved:
	// "program:web".
	Name string
	// File is the file that first defined the section.
	File string

	keys  map[string]string
	order []string
}

// Keys returns the section's keys in the order they first appeared,
// lower-cased as supervisord stores them.
func (s *Section) Keys() []string { return append([]string(nil), s.order...) }

// raw returns the value of key with %(here)s already replaced.
func (s *Section) raw(key string) (string, bool) {
	v, ok := s.keys[strings.ToLower(key)]
	return v, ok
}

func (s *Section) set(key, value string) {
	if _, ok := s.keys[key]; !ok {
		s.order = append(s.order, key)
	}
	s.keys[key] = value
}

// LoadConf reads the configuration at path and everything it includes.
// env looks up environment variables for %(ENV_X)s (os.LookupEnv in the
// listener, which supervisord started with its own environment plus
// [supervisord] environment=).
func LoadConf(path string, env func(string) (string, bool)) (*Conf, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConf, err)
	}
	host, _ := os.Hostname()
	c := &Conf{Path: abs, byName: map[string]*Section{}, env: env, hostname: host,
		defaults: &Section{Name: ini.DefaultSection, keys: map[string]string{}}}
	if err := c.readFile(abs); err != nil {
		return nil, err
	}
	// supervisord reads [include] from the main file only: an [include]
	// section in an included file changes nothing, because the list of
	// files was taken before they were read.
	inc, ok := c.Section("include")
	if !ok {
		return c, nil
	}
	files, ok := inc.raw("files")
	if !ok {
		files, ok = c.defaults.raw("files")
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s has an [include] section without a files= line", ErrConf, abs)
	}
	files, err = expand(files, c.lookup(nil))
	if err != nil {
		return nil, fmt.Errorf("%w: [include] files in %s: %w", ErrConf, abs, err)
	}
	base := filepath.Dir(abs)
	for _, pattern := range strings.Fields(files) {
		if !filepath.IsAbs(pattern) {
			pattern = filepath.Join(base, pattern)
		}
		matches, err := pyGlob(pattern)
		if err != nil {
			return nil, fmt.Errorf("%w: [include] files pattern %q in %s: %v", ErrConf, pattern, abs, err)
		}
		if len(matches) == 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("no file matches the include pattern %q", pattern))
			continue
		}
		for _, m := range matches {
			if err := c.readFile(m); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// pyGlob is filepath.Glob with the rule of Python's glob that supervisord
// uses: a wildcard does not match a name starting with a dot unless the
// pattern's part does too. Matches are sorted.
func pyGlob(pattern string) ([]string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	pparts := strings.Split(filepath.Clean(pattern), string(filepath.Separator))
	var out []string
	for _, m := range matches {
		mparts := strings.Split(filepath.Clean(m), string(filepath.Separator))
		hidden := false
		for i := range mparts {
			if i < len(pparts) && strings.HasPrefix(mparts[i], ".") && !strings.HasPrefix(pparts[i], ".") &&
				strings.ContainsAny(pparts[i], `*?[`) {
				hidden = true
			}
		}
		if !hidden {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out, nil
}

// readFile parses one file and merges its sections into c.
func (c *Conf) readFile(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: configuration file %s does not exist", ErrConf, path)
		}
		return fmt.Errorf("%w: %v", ErrConf, err)
	}
	norm, err := normalize(src)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrConf, path, err)
	}
	f, err := ini.LoadSources(ini.LoadOptions{
		// supervisord's parser (Python's RawConfigParser) folds option
		// names to lower case and keeps section names as written.
		InsensitiveKeys: true,
		// normalize has already removed comments and marked
		// continuation lines; ini must keep ';' and '#' inside values.
		IgnoreInlineComment: true,
		// A trailing backslash means nothing special to supervisord.
		IgnoreContinuation:         true,
		AllowPythonMultilineValues: true,
		// Quotes are part of the value for supervisord.
		PreserveSurroundedQuote: true,
		KeyValueDelimiters:      "=:",
		// A dot in "program:web.v2" is part of the name, not a parent
		// section to inherit keys from.
		ChildSectionDelimiter: "\x00",
		// Multi-line values longer than the default buffer would
		// otherwise be cut.
		ReaderBufferSize: len(norm) + 1,
	}, norm)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrConf, path, err)
	}
	c.Files = append(c.Files, path)
	here := filepath.Dir(path)
	for _, fs := range f.Sections() {
		var dst *Section
		if fs.Name() == ini.DefaultSection {
			dst = c.defaults
		} else if dst = c.byName[fs.Name()]; dst == nil {
			dst = &Section{Name: fs.Name(), File: path, keys: map[string]string{}}
			c.byName[fs.Name()] = dst
			c.sections = append(c.sections, dst)
		}
		for _, k := range fs.Keys() {
			dst.set(k.Name(), strings.ReplaceAll(cleanValue(k.Value()), "%(here)s", here))
		}
	}
	return nil
}

// cleanValue turns the value ini gathered into the one supervisord's
// parser produces: each line stripped, the lines joined with newlines,
// trailing blank lines dropped.
func cleanValue(v string) string {
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	v = strings.TrimRight(strings.Join(lines, "\n"), " \t\n\r\f\v")
	return strings.TrimPrefix(v, literalMark)
}

// Section returns the section called name ("program:web"), matched
// case-sensitively as supervisord does.
func (c *Conf) Section(name string) (*Section, bool) {
	s, ok := c.byName[name]
	return s, ok
}

// Sections returns the sections whose names start with prefix
// ("program:"), in the order they first appeared.
func (c *Conf) Sections(prefix string) []*Section {
	var out []*Section
	for _, s := range c.sections {
		if strings.HasPrefix(s.Name, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// Get returns the value of key in section, with its %(name)s expansions
// made: here, host_node_name, ENV_<variable>, plus those in extra (such
// as program_name). A key missing from the section falls back to
// [DEFAULT], as in supervisord. ok is false when neither has the key.
func (c *Conf) Get(section *Section, key string, extra map[string]any) (value string, ok bool, err error) {
	raw, ok := section.raw(key)
	if !ok {
		if raw, ok = c.defaults.raw(key); !ok {
			return "", false, nil
		}
	}
	v, err := expand(raw, c.lookup(extra))
	if err != nil {
		return "", true, fmt.Errorf("%w: [%s] %s in %s: %w", ErrConf, section.Name, strings.ToLower(key), section.File, err)
	}
	return v, true, nil
}

// lookup resolves the names a supervisord value may expand.
func (c *Conf) lookup(extra map[string]any) func(string) (any, bool) {
	return func(name string) (any, bool) {
		if v, ok := extra[name]; ok {
			return v, true
		}
		switch {
		case name == "here":
			return filepath.Dir(c.Path), true
		case name == "host_node_name":
			return c.hostname, true
		case strings.HasPrefix(name, "ENV_") && c.env != nil:
			if v, ok := c.env(strings.TrimPrefix(name, "ENV_")); ok {
				return v, true
			}
		}
		return nil, false
	}
}
