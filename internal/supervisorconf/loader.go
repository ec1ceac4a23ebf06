package supervisorconf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/golance/golance/internal/pyfmt"
)

// A Loader reads supervisord configurations. The zero value reads them as
// the supervisord started in this process's environment on this host
// would.
type Loader struct {
	// Env is supervisord's environment, as os.Environ returns it, for the
	// %(ENV_X)s expansions; nil means os.Environ().
	Env []string
	// Hostname is %(host_node_name)s; "" means os.Hostname().
	Hostname string
}

// Load reads the configuration file at path with a zero Loader.
func Load(path string) (*Config, error) { return Loader{}.Load(path) }

// Load reads the configuration file at path and the files its [include]
// section names, as supervisord -c path does. It refuses what supervisord's
// parser refuses: a file it cannot read, a line that is not INI, an
// [include] without files= or whose files= cannot be expanded. The values
// themselves are checked when they are read, by the typed accessors.
func (l Loader) Load(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: path, Problem: "the configuration file does not exist", Fix: "give the path supervisord is started with (-c)", Err: err}
		}
		return nil, &Error{File: path, Problem: "cannot read the configuration file", Err: err}
	}
	return l.Parse(src, path)
}

// Parse reads src as the configuration file at path: path gives
// %(here)s and the directory [include] patterns are relative to, and
// names the file in errors. The file itself need not exist.
func (l Loader) Parse(src []byte, path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{File: path, Problem: "cannot make the path absolute", Err: err}
	}
	c := &Config{
		Path: abs, Here: filepath.Dir(abs),
		byName: map[string]*Section{}, defaults: newSection("DEFAULT", abs, 0),
		env: l.Env, hostname: l.Hostname,
	}
	if c.env == nil {
		c.env = os.Environ()
	}
	if c.hostname == "" {
		c.hostname, _ = os.Hostname()
	}
	c.environ = map[string]any{}
	for _, kv := range c.env {
		// The first of a repeated variable counts, as in Python.
		if k, v, ok := strings.Cut(kv, "="); ok && c.environ["ENV_"+k] == nil {
			c.environ["ENV_"+k] = v
		}
	}
	if err := c.read(string(src), abs); err != nil {
		return nil, err
	}
	c.Files = []string{abs}
	if _, ok := c.Section("include"); ok {
		if err := c.include(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// include reads the files [include] files= names, as supervisord does
// right after the main file: %(here)s is first replaced in every value
// read so far; the patterns, expanded with here, host_node_name and
// ENV_X, are glob patterns relative to the main file's directory; the
// matches of each are read in sorted order, each followed by the
// replacement of %(here)s with its own directory. An [include] section in
// an included file is read but not followed.
func (c *Config) include() error {
	c.expandHere(c.Here)
	sect, _ := c.Section("include")
	v, ok := c.lookup(sect, "files")
	if !ok {
		return &Error{File: sect.File, Line: sect.Line, Section: "include", Problem: "has no files= line", Fix: "add files = relative/or/absolute/*.conf, or remove the section"}
	}
	files, err := c.expand(v.Text, map[string]any{"here": c.Here, "host_node_name": c.hostname}, "include.files")
	if err != nil {
		return c.valueError(sect, "files", v, err, "")
	}
	for _, pattern := range strings.FieldsFunc(files, pyfmt.IsSpace) {
		pattern = joinPath(c.Here, pattern)
		matches := glob(pattern)
		if len(matches) == 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("No file matches via include %q", pattern))
			continue
		}
		for _, name := range matches {
			src, err := os.ReadFile(name)
			if err != nil {
				continue // configparser skips a file it cannot open
			}
			if err := c.read(string(src), name); err != nil {
				return err
			}
			c.Files = append(c.Files, name)
			abs, _ := filepath.Abs(filepath.Dir(name))
			c.expandHere(abs)
		}
	}
	return nil
}

func (c *Config) read(src, file string) error {
	p := &parser{cfg: c, file: file}
	return p.parse(src)
}

// expandHere is UnhosedConfigParser.expand_here: in every section, every
// value holding %(here)s, its own or inherited from [DEFAULT], gets here
// written in and becomes the section's own.
func (c *Config) expandHere(here string) {
	for _, s := range c.sections {
		for _, k := range c.keysWithDefaults(s) {
			v, _ := c.lookup(s, k)
			if strings.Contains(v.Text, "%(here)s") {
				s.set(k, &Value{Text: strings.ReplaceAll(v.Text, "%(here)s", here), File: v.File, Line: v.Line})
			}
		}
	}
}

// joinPath is Python's os.path.join of two parts.
func joinPath(dir, name string) string {
	switch {
	case strings.HasPrefix(name, "/"):
		return name
	case dir == "" || strings.HasSuffix(dir, "/"):
		return dir + name
	}
	return dir + "/" + name
}
