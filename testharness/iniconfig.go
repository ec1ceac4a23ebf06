package testharness

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/listener"
)

// ParseConfig reads supervisord.conf text into a Config, so that the
// sections a project deploys can run unchanged in the harness. here is
// what %(here)s expands to (supervisord uses the configuration file's
// directory).
//
// It reads [supervisord] identifier=; [unix_http_server] and
// [inet_http_server] (either turns Config.RPC on, with their username= and
// password=); and [program:x], [group:x] and [eventlistener:x] with the
// keys the harness emulates, applying supervisord's defaults (startsecs=1,
// startretries=3, stopwaitsecs=10, ...) and its %(...)s expansions,
// including %(process_num)d in command=. Keys the harness does not emulate
// (user=, umask=, syslog and rotation settings) are ignored; a non-default
// result_handler= is an error. [include] is not followed.
func ParseConfig(text, here string) (Config, error) {
	sections, err := parseINI(text)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{}
	for _, sec := range sections {
		kind, name, _ := strings.Cut(sec.name, ":")
		switch kind {
		case "supervisord":
			cfg.Identifier = sec.get("identifier")
		case "unix_http_server", "inet_http_server":
			cfg.RPC = true
			if u := sec.get("username"); u != "" {
				cfg.Username, cfg.Password = u, sec.get("password")
			}
		case "group":
			g := Group{Name: name}
			for _, p := range strings.Split(sec.get("programs"), ",") {
				if p = strings.TrimSpace(p); p != "" {
					g.Programs = append(g.Programs, p)
				}
			}
			if g.Priority, err = sec.priority(); err != nil {
				return Config{}, err
			}
			cfg.Groups = append(cfg.Groups, g)
		case "program":
			pc, err := sec.processConfig(name, here)
			if err != nil {
				return Config{}, err
			}
			cfg.Programs = append(cfg.Programs, Program{Name: name, ProcessConfig: pc})
		case "eventlistener":
			pc, err := sec.processConfig(name, here)
			if err != nil {
				return Config{}, err
			}
			p := Pool{Name: name, ProcessConfig: pc}
			for _, e := range strings.Split(sec.get("events"), ",") {
				if e = strings.TrimSpace(e); e != "" {
					p.Events = append(p.Events, listener.EventType(strings.ToUpper(e)))
				}
			}
			if v, ok := sec.lookup("buffer_size"); ok {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return Config{}, sec.errorf("invalid buffer_size %q: it must be a number of at least 1", v)
				}
				p.BufferSize = n
			}
			if h, ok := sec.lookup("result_handler"); ok && h != "supervisor.dispatchers:default_handler" {
				return Config{}, sec.errorf("result_handler=%s cannot run in the harness; use Pool.ResultHandler", h)
			}
			cfg.Pools = append(cfg.Pools, p)
		}
	}
	return cfg, nil
}

// iniSection is one [section] with its keys, lower-cased as Python's
// ConfigParser lower-cases them.
type iniSection struct {
	name string
	keys map[string]string
}

func (s *iniSection) lookup(key string) (string, bool) {
	v, ok := s.keys[key]
	return v, ok
}

func (s *iniSection) get(key string) string { return s.keys[key] }

func (s *iniSection) errorf(format string, args ...any) error {
	return &ConfigError{Section: s.name, Problem: fmt.Sprintf(format, args...)}
}

// parseINI reads what supervisord's UnhosedConfigParser reads: sections,
// "key = value" or "key: value", whole-line comments starting with ; or #,
// inline comments after whitespace, and indented continuation lines.
func parseINI(text string) ([]*iniSection, error) {
	var sections []*iniSection
	var cur *iniSection
	var lastKey string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		raw := sc.Text()
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || trimmed[0] == ';' || trimmed[0] == '#' {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			if cur == nil || lastKey == "" {
				return nil, &ConfigError{Problem: fmt.Sprintf("line %d: an indented line continues nothing: %q", lineNo, raw)}
			}
			cur.keys[lastKey] += "\n" + stripInlineComment(trimmed)
			continue
		}
		if trimmed[0] == '[' {
			end := strings.IndexByte(trimmed, ']')
			if end < 0 {
				return nil, &ConfigError{Problem: fmt.Sprintf("line %d: unterminated section header %q", lineNo, raw)}
			}
			cur = &iniSection{name: trimmed[1:end], keys: map[string]string{}}
			sections = append(sections, cur)
			lastKey = ""
			continue
		}
		if cur == nil {
			return nil, &ConfigError{Problem: fmt.Sprintf("line %d: a key outside any section: %q", lineNo, raw)}
		}
		i := strings.IndexAny(trimmed, "=:")
		if i < 0 {
			return nil, &ConfigError{Section: cur.name, Problem: fmt.Sprintf("line %d: expected key = value, got %q", lineNo, raw)}
		}
		lastKey = strings.ToLower(strings.TrimSpace(trimmed[:i]))
		cur.keys[lastKey] = stripInlineComment(strings.TrimSpace(trimmed[i+1:]))
	}
	return sections, sc.Err()
}

// stripInlineComment drops a ; or # comment preceded by whitespace.
func stripInlineComment(v string) string {
	for i := 1; i < len(v); i++ {
		if (v[i] == ';' || v[i] == '#') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i])
		}
	}
	return v
}

var (
	truthyStrings = map[string]bool{"yes": true, "true": true, "on": true, "1": true}
	falsyStrings  = map[string]bool{"no": true, "false": true, "off": true, "0": true}
)

func (s *iniSection) boolean(key string, def bool) (bool, error) {
	v, ok := s.lookup(key)
	if !ok {
		return def, nil
	}
	switch l := strings.ToLower(v); {
	case truthyStrings[l]:
		return true, nil
	case falsyStrings[l]:
		return false, nil
	}
	return false, s.errorf("%s=%s is not a boolean (use true or false)", key, v)
}

func (s *iniSection) integer(key string) (int, bool, error) {
	v, ok := s.lookup(key)
	if !ok {
		return 0, false, nil
	}
	n, err := pyfmt.Atoi(v)
	if err != nil {
		return 0, false, s.errorf("%s=%s is not an integer", key, v)
	}
	return int(n), true, nil
}

func (s *iniSection) priority() (int, error) {
	n, ok, err := s.integer("priority")
	if err != nil || !ok {
		return 0, err
	}
	if n == 0 {
		return 0, s.errorf("priority=0 cannot be expressed in the harness (zero means the default); use another number")
	}
	return n, nil
}

func (s *iniSection) seconds(key string, def int) (time.Duration, error) {
	n, ok, err := s.integer(key)
	if err != nil {
		return 0, err
	}
	if !ok {
		n = def
	}
	return time.Duration(n) * time.Second, nil
}

// byteSize is supervisord's byte_size: "1024", "1KB", "50MB", "1GB".
func (s *iniSection) byteSize(key string) (int, error) {
	v, ok := s.lookup(key)
	if !ok {
		return 0, nil
	}
	mult := 1
	num := strings.ToUpper(strings.TrimSpace(v))
	for suffix, m := range map[string]int{"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30} {
		if strings.HasSuffix(num, suffix) {
			num, mult = strings.TrimSuffix(num, suffix), m
			break
		}
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil {
		return 0, s.errorf("%s=%s is not a byte size (like 1024, 1KB or 50MB)", key, v)
	}
	return n * mult, nil
}

// processConfig reads the keys [program:x] and [eventlistener:x] share.
func (s *iniSection) processConfig(name, here string) (ProcessConfig, error) {
	var pc ProcessConfig
	var err error
	command, ok := s.lookup("command")
	if !ok {
		return pc, s.errorf("does not specify a command")
	}
	pc.commandTemplate = strings.ReplaceAll(command, "%(here)s", here)
	if pc.Command, err = SplitCommand(expandStatic(pc.commandTemplate, name, here)); err != nil {
		return pc, s.errorf("can't parse command %q: %v", command, err)
	}
	if len(pc.Command) == 0 {
		return pc, s.errorf("command is empty")
	}
	pc.ProcessName = s.get("process_name")
	if n, ok, err := s.integer("numprocs"); err != nil {
		return pc, err
	} else if ok {
		pc.NumProcs = n
	}
	if n, _, err := s.integer("numprocs_start"); err != nil {
		return pc, err
	} else {
		pc.NumProcsStart = n
	}
	if pc.Priority, err = s.priority(); err != nil {
		return pc, err
	}
	autostart, err := s.boolean("autostart", true)
	if err != nil {
		return pc, err
	}
	pc.NoAutostart = !autostart
	if v, ok := s.lookup("autorestart"); ok {
		switch l := strings.ToLower(v); {
		case truthyStrings[l]:
			pc.Autorestart = RestartAlways
		case falsyStrings[l]:
			pc.Autorestart = RestartNever
		case l == "unexpected":
			pc.Autorestart = RestartUnexpected
		default:
			return pc, s.errorf("invalid autorestart=%s (use true, false or unexpected)", v)
		}
	}
	if pc.StartSecs, err = s.seconds("startsecs", 1); err != nil {
		return pc, err
	}
	if n, ok, err := s.integer("startretries"); err != nil {
		return pc, err
	} else if ok {
		pc.StartRetries = n
		if n == 0 {
			pc.StartRetries = -1
		}
	}
	if v, ok := s.lookup("exitcodes"); ok {
		pc.ExitCodes = []int{}
		for _, c := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(c))
			if err != nil || n < 0 || n > 255 {
				return pc, s.errorf("exitcodes=%s is not a list of exit codes (0-255)", v)
			}
			pc.ExitCodes = append(pc.ExitCodes, n)
		}
	}
	if v, ok := s.lookup("stopsignal"); ok {
		sig, known := parseSignal(v)
		if !known {
			return pc, s.errorf("stopsignal=%s is not a signal", v)
		}
		pc.StopSignal = sig
	}
	if pc.StopWaitSecs, err = s.seconds("stopwaitsecs", 10); err != nil {
		return pc, err
	}
	if pc.StopWaitSecs == 0 {
		pc.StopWaitSecs = -1
	}
	if pc.StopAsGroup, err = s.boolean("stopasgroup", false); err != nil {
		return pc, err
	}
	if pc.KillAsGroup, err = s.boolean("killasgroup", pc.StopAsGroup); err != nil {
		return pc, err
	}
	if pc.RedirectStderr, err = s.boolean("redirect_stderr", false); err != nil {
		return pc, err
	}
	if pc.StdoutEvents, err = s.boolean("stdout_events_enabled", false); err != nil {
		return pc, err
	}
	if pc.StderrEvents, err = s.boolean("stderr_events_enabled", false); err != nil {
		return pc, err
	}
	if pc.StdoutCaptureMaxBytes, err = s.byteSize("stdout_capture_maxbytes"); err != nil {
		return pc, err
	}
	if pc.StderrCaptureMaxBytes, err = s.byteSize("stderr_capture_maxbytes"); err != nil {
		return pc, err
	}
	pc.StdoutLogfile = expandStatic(s.get("stdout_logfile"), name, here)
	pc.StderrLogfile = expandStatic(s.get("stderr_logfile"), name, here)
	pc.Dir = expandStatic(s.get("directory"), name, here)
	if v := s.get("serverurl"); !strings.EqualFold(v, "AUTO") {
		pc.ServerURL = v
	}
	if env, ok := s.lookup("environment"); ok {
		if pc.Env, err = parseEnvironment(env); err != nil {
			return pc, s.errorf("environment=: %v", err)
		}
	}
	return pc, nil
}

// expandStatic expands the %(...)s names that do not depend on the process
// number.
func expandStatic(v, program, here string) string {
	v = strings.ReplaceAll(v, "%(here)s", here)
	v = strings.ReplaceAll(v, "%(program_name)s", program)
	for _, kv := range os.Environ() {
		k, val, _ := strings.Cut(kv, "=")
		v = strings.ReplaceAll(v, "%(ENV_"+k+")s", val)
	}
	return v
}

// SplitCommand splits a command= value into arguments as supervisord does,
// with Python's shlex.split in POSIX mode: words separated by white space,
// single and double quotes, backslash escapes.
func SplitCommand(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			inWord = true
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
		case c == '\'':
			inWord = true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("no closing quotation")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("no closing quotation")
			}
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}

// parseEnvironment reads KEY=val,KEY2="val, with comma" as supervisord's
// dict_of_key_value_pairs does.
func parseEnvironment(v string) ([]string, error) {
	var env []string
	rest := strings.TrimSpace(v)
	for rest != "" {
		k, after, ok := strings.Cut(rest, "=")
		if !ok {
			return nil, fmt.Errorf("expected KEY=value in %q", rest)
		}
		after = strings.TrimSpace(after)
		var val string
		if after != "" && (after[0] == '"' || after[0] == '\'') {
			end := strings.IndexByte(after[1:], after[0])
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", after)
			}
			val, rest = after[1:1+end], after[2+end:]
		} else {
			i := strings.IndexByte(after, ',')
			if i < 0 {
				i = len(after)
			}
			val, rest = strings.TrimSpace(after[:i]), after[i:]
		}
		env = append(env, strings.TrimSpace(k)+"="+val)
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ","))
	}
	return env, nil
}
