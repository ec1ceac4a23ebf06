package rpc

import (
	"context"
	"fmt"
	"syscall"

	"github.com/golance/golance/listener"
)

// ConfigInfo is one process's configuration as getAllConfigInfo reports
// it. A [program:x] with numprocs=N appears as N entries of group x, one
// per process name. supervisord reports unset values as the strings "none"
// and "auto"; here "none" becomes "" (or -1 for UID) and "auto" is kept.
type ConfigInfo struct {
	Name            string
	Group           string
	InUse           bool // the group is active (not only in the file)
	GroupPriority   int
	ProcessPriority int
	Command         string
	Directory       string // "" when not set
	UID             int    // -1 when no user= is set
	Autostart       bool
	ExitCodes       []int
	StartSecs       int
	StartRetries    int
	StopSignal      syscall.Signal
	StopWaitSecs    int
	KillAsGroup     bool
	RedirectStderr  bool
	Stdout          StreamConfig
	Stderr          StreamConfig
	ServerURL       string // the program's serverurl=, "" for the default
}

// StreamConfig is the logging and event configuration of one output
// stream of a process.
type StreamConfig struct {
	Logfile         string // path, "auto", or "" when not logged
	LogfileMaxBytes int
	LogfileBackups  int
	CaptureMaxBytes int
	EventsEnabled   bool
	Syslog          bool
}

// Namespec returns "name" or "group:name" for the process.
func (ci ConfigInfo) Namespec() string { return listener.Namespec(ci.Group, ci.Name) }

// GetAllConfigInfo returns the configuration of every process in the
// configuration supervisord has loaded, sorted by process name
// (supervisor.getAllConfigInfo).
func (c *Client) GetAllConfigInfo(ctx context.Context) ([]ConfigInfo, error) {
	// The members' types vary ("none" where an int is expected), so they
	// are decoded generically and converted field by field.
	var raw []map[string]any
	if err := c.call(ctx, false, "supervisor.getAllConfigInfo", &raw); err != nil {
		return nil, err
	}
	infos := make([]ConfigInfo, len(raw))
	for i, m := range raw {
		ci, err := configInfoFrom(m)
		if err != nil {
			return nil, fmt.Errorf("supervisor.getAllConfigInfo: entry %d: %w: %v", i, ErrBadResponse, err)
		}
		infos[i] = ci
	}
	return infos, nil
}

func configInfoFrom(m map[string]any) (ConfigInfo, error) {
	f := fields{m: m}
	ci := ConfigInfo{
		Name:            f.str("name"),
		Group:           f.str("group"),
		InUse:           f.bool("inuse"),
		GroupPriority:   f.int("group_prio"),
		ProcessPriority: f.int("process_prio"),
		Command:         f.str("command"),
		Directory:       f.optStr("directory"),
		UID:             f.optInt("uid", -1),
		Autostart:       f.bool("autostart"),
		ExitCodes:       f.ints("exitcodes"),
		StartSecs:       f.int("startsecs"),
		StartRetries:    f.int("startretries"),
		StopSignal:      syscall.Signal(f.int("stopsignal")),
		StopWaitSecs:    f.int("stopwaitsecs"),
		KillAsGroup:     f.bool("killasgroup"),
		RedirectStderr:  f.bool("redirect_stderr"),
		Stdout:          f.stream("stdout_"),
		Stderr:          f.stream("stderr_"),
		ServerURL:       f.optStr("serverurl"),
	}
	if ci.Name == "" && f.err == nil {
		return ConfigInfo{}, fmt.Errorf("no name member")
	}
	return ci, f.err
}

// fields reads typed members out of a decoded struct, keeping the first
// type error. Missing members read as zero values: older supervisords
// lack some of them.
type fields struct {
	m   map[string]any
	err error
}

func (f *fields) fail(key string, v any, want string) {
	if f.err == nil {
		f.err = fmt.Errorf("member %s is %T %v, want %s", key, v, v, want)
	}
}

func (f *fields) str(key string) string {
	v, ok := f.m[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		f.fail(key, v, "string")
	}
	return s
}

// optStr reads a string member for which supervisord sends "none" when
// unset.
func (f *fields) optStr(key string) string {
	if s := f.str(key); s != "none" {
		return s
	}
	return ""
}

func (f *fields) int(key string) int {
	v, ok := f.m[key]
	if !ok {
		return 0
	}
	n, ok := v.(int64)
	if !ok {
		f.fail(key, v, "int")
	}
	return int(n)
}

// optInt reads an int member for which supervisord sends "none" when unset.
func (f *fields) optInt(key string, unset int) int {
	if s, ok := f.m[key].(string); ok && s == "none" {
		return unset
	}
	if _, ok := f.m[key]; !ok {
		return unset
	}
	return f.int(key)
}

func (f *fields) bool(key string) bool {
	v, ok := f.m[key]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		f.fail(key, v, "boolean")
	}
	return b
}

func (f *fields) ints(key string) []int {
	v, ok := f.m[key]
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		f.fail(key, v, "array of int")
		return nil
	}
	out := make([]int, 0, len(list))
	for _, e := range list {
		n, ok := e.(int64)
		if !ok {
			f.fail(key, v, "array of int")
			return nil
		}
		out = append(out, int(n))
	}
	return out
}

func (f *fields) stream(prefix string) StreamConfig {
	return StreamConfig{
		Logfile:         f.optStr(prefix + "logfile"),
		LogfileMaxBytes: f.int(prefix + "logfile_maxbytes"),
		LogfileBackups:  f.int(prefix + "logfile_backups"),
		CaptureMaxBytes: f.int(prefix + "capture_maxbytes"),
		EventsEnabled:   f.bool(prefix + "events_enabled"),
		Syslog:          f.bool(prefix + "syslog"),
	}
}
