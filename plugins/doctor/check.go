package doctor

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/listener"
)

// A pool is one [eventlistener:x] of the configuration that runs a golance
// plugin, with its command line parsed by that plugin's own flags.
type pool struct {
	group  *supervisorconf.Group
	plugin string
	need   need
}

// Check reads cfg as supervisord would run it and returns its problems,
// in the order of the file, and notes on what it could not check or
// found in an unexpected place. inherited is what the listeners inherit
// from the running supervisord (ReadInherited); the zero value is none. plugins names the golance listeners whose
// command lines it understands; an [eventlistener:x] running anything
// else is checked only for what every listener needs.
func Check(cfg *supervisorconf.Config, plugins []Plugin, inherited Inherited) ([]Finding, []string, error) {
	if err := cfg.Check(); err != nil {
		return nil, nil, err
	}
	groups, err := cfg.Groups()
	if err != nil {
		return nil, nil, err
	}
	var sv *supervisorconf.Supervisord
	if sv, err = cfg.Supervisord(); err != nil {
		return nil, nil, err
	}
	var out []Finding
	var pools []pool
	processes := 0
	for _, g := range groups {
		processes += len(g.Processes)
	}
	for _, g := range groups {
		if g.Kind != "eventlistener" {
			continue
		}
		p, findings := parsePool(g, plugins)
		out = append(out, findings...)
		out = append(out, checkPool(g, p, processes, sv)...)
		if p != nil {
			pools = append(pools, *p)
		}
	}
	server, err := checkServer(cfg, pools)
	if err != nil {
		return nil, nil, err
	}
	creds, notes, err := checkCredentials(cfg, pools, inherited)
	if err != nil {
		return nil, nil, err
	}
	return append(append(server, out...), creds...), notes, nil
}

// parsePool recognises the plugin a pool runs and parses its command line
// with the plugin's flags; nil when it runs something else.
func parsePool(g *supervisorconf.Group, plugins []Plugin) (*pool, []Finding) {
	if len(g.Processes) == 0 {
		return nil, nil
	}
	argv, err := supervisorconf.SplitCommand(g.Processes[0].Command)
	if err != nil || len(argv) == 0 {
		return nil, nil // supervisorconf's Check has said it
	}
	name := filepath.Base(argv[0])
	i := slices.IndexFunc(plugins, func(p Plugin) bool { return p.Name == name })
	needOf, known := needs[name]
	if i < 0 || !known {
		return nil, nil
	}
	cmd := plugins[i].Command()
	cmd.InitDefaultHelpFlag()
	cmd.InitDefaultVersionFlag()
	fs := cmd.Flags()
	if err := fs.Parse(argv[1:]); err != nil {
		return nil, []Finding{at(g.Programs[0].Section, "command", fmt.Sprintf("%s refuses its command line (%v)", name, err),
			"correct command= ("+name+" --help lists its flags)")}
	}
	return &pool{group: g, plugin: name, need: needOf(fs)}, nil
}

// checkPool checks one pool's own keys: events=, buffer_size= and
// stdout_logfile= (sv's childlogdir and identifier name AUTO logs).
func checkPool(g *supervisorconf.Group, p *pool, processes int, sv *supervisorconf.Supervisord) []Finding {
	var out []Finding
	if p != nil {
		var missing []string
		var why []string
		for _, r := range p.need.events {
			if r.delivered(g.Events) {
				continue
			}
			missing = append(missing, string(r.types[0]))
			why = append(why, string(r.types[0])+": "+p.plugin+" "+r.why)
		}
		if len(missing) > 0 {
			events := append(eventNames(g.Events), missing...)
			out = append(out, at(g.Section, "events",
				fmt.Sprintf("events=%s lacks what %s's command line needs (%s)", strings.Join(eventNames(g.Events), ","), p.plugin, strings.Join(why, "; ")),
				"events="+strings.Join(events, ",")))
		}
	}
	// A pool that only hears ticks gets one event per 5 seconds at most;
	// any other subscription gets bursts: supervisord queues 4 state
	// changes per process on `supervisorctl restart all` (STOPPING,
	// STOPPED, STARTING, RUNNING), and a listener busy with the first
	// (a mail, a restart) cannot take the rest until it is done.
	if bursty(g.Events) {
		if want := 4 * processes; g.BufferSize < want {
			out = append(out, at(g.Section, "buffer_size",
				fmt.Sprintf("buffer_size=%d holds fewer events than the %d state changes a restart of all %d processes queues at once: supervisord discards the oldest (\"event buffer overflowed\")", g.BufferSize, want, processes),
				fmt.Sprintf("buffer_size=%d", max(want, 100))))
		}
	}
	if f := stdoutLogged(g, sv); f != nil {
		out = append(out, *f)
	}
	return out
}

// stdoutLogged reports a pool whose stdout supervisord copies into a file:
// its dispatcher writes every byte the listener sends it, READY and
// RESULT lines only, to stdout_logfile, and the default AUTO is such a
// file too, named in childlogdir (checked with supervisord 4.2.5). One
// finding per section, since every process of it shares the keys.
func stdoutLogged(g *supervisorconf.Group, sv *supervisorconf.Supervisord) *Finding {
	if len(g.Processes) == 0 {
		return nil
	}
	proc := g.Processes[0]
	const fix = "stdout_logfile=NONE (the listener's own lines are on stderr, stderr_logfile=)"
	switch out := proc.Stdout; out.File {
	case supervisorconf.LogNone:
		return nil
	case supervisorconf.LogAuto:
		where := filepath.Join(sv.Childlogdir, autoLogPrefix(proc.Name, sv)+"*.log")
		if n := len(g.Processes) - 1; n > 0 {
			where += fmt.Sprintf(" and %d more like it", n)
		}
		f := at(proc.Program.Section, "stdout_logfile",
			fmt.Sprintf("stdout_logfile is AUTO (supervisord's default), so supervisord writes the listener's stdout, the protocol (READY, RESULT 2 OK: 17 bytes an event), into %s%s", where, rotation(out)),
			fix)
		return &f
	default:
		f := at(proc.Program.Section, "stdout_logfile",
			fmt.Sprintf("stdout_logfile=%s: a listener's stdout is the protocol, so the file fills with READY and RESULT lines%s", out.File, rotation(out)),
			fix)
		return &f
	}
}

// autoLogPrefix is how the name of a process's AUTO stdout log starts:
// supervisord names it "<process>-stdout---<identifier>-" and a random
// rest (options.py, get_autochildlog_name).
func autoLogPrefix(process string, sv *supervisorconf.Supervisord) string {
	return process + "-stdout---" + sv.Identifier + "-"
}

// rotation says how large a log may grow.
func rotation(l supervisorconf.Log) string {
	if l.MaxBytes == 0 {
		return ", without end (stdout_logfile_maxbytes=0)"
	}
	return fmt.Sprintf(", up to %s and %d backups", size(l.MaxBytes), l.Backups)
}

// size writes a byte count as supervisord.conf would.
func size(n int64) string {
	for _, u := range []struct {
		suffix string
		bytes  int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if n%u.bytes == 0 {
			return fmt.Sprintf("%d%s", n/u.bytes, u.suffix)
		}
	}
	return fmt.Sprint(n)
}

// bursty reports whether a subscription can bring events faster than one
// per tick.
func bursty(events []listener.EventType) bool {
	for _, e := range events {
		if !e.Is(listener.Tick) || e == listener.AnyEvent {
			return true
		}
	}
	return false
}

// checkServer: a listener that calls supervisord back needs a server
// section and [rpcinterface:supervisor].
func checkServer(cfg *supervisorconf.Config, pools []pool) ([]Finding, error) {
	var callers []string
	for _, p := range pools {
		if p.need.rpc || p.need.rpcFromFile {
			callers = append(callers, p.group.Name)
		}
	}
	if len(callers) == 0 {
		return nil, nil
	}
	who := "[eventlistener:" + strings.Join(callers, "], [eventlistener:") + "]"
	file := cfg.Files[0]
	var out []Finding
	url, err := cfg.ServerURL()
	if err != nil {
		return nil, err
	}
	if url == "" {
		out = append(out, Finding{File: file,
			Problem: "no [unix_http_server] or [inet_http_server] section: " + who + " cannot call supervisord back",
			Fix:     "add [unix_http_server] with file=/run/supervisor.sock (and chmod=0700)"})
	}
	ifaces, err := cfg.RPCInterfaces()
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(ifaces, func(r *supervisorconf.RPCInterface) bool {
		return r.Name == "supervisor" && r.Factory == supervisorconf.MainRPCInterface
	}) {
		out = append(out, Finding{File: file,
			Problem: "no [rpcinterface:supervisor] section: supervisord answers no supervisor.* call, which " + who + " make",
			Fix:     "add [rpcinterface:supervisor] with supervisor.rpcinterface_factory = " + supervisorconf.MainRPCInterface})
	}
	return out, nil
}

// checkCredentials: a listener that calls back with the environment's
// credentials needs them when the server demands them. supervisord sets
// no credentials for its children; they inherit its own environment,
// then environment= applies, so either can hold them. With a running
// supervisord whose environment cannot be read, doctor cannot tell, and
// says so in a note instead of a finding.
func checkCredentials(cfg *supervisorconf.Config, pools []pool, inherited Inherited) ([]Finding, []string, error) {
	servers, err := cfg.Servers()
	if err != nil {
		return nil, nil, err
	}
	var out []Finding
	var notes []string
	for _, p := range pools {
		if !p.need.rpc {
			continue
		}
		proc := p.group.Processes[0]
		url := proc.ServerURL
		if url == "" {
			if url, err = cfg.ServerURL(); err != nil {
				return nil, nil, err
			}
		}
		srv := serving(servers, url)
		if srv == nil || !srv.HasPassword {
			continue
		}
		env, from := map[string]string{}, map[string]string{}
		for k, v := range inherited.Env {
			env[k], from[k] = v, inherited.from()
		}
		for _, kv := range proc.Environment {
			k, v, _ := strings.Cut(kv, "=")
			env[k], from[k] = v, "environment="
		}
		section := proc.Program.Section
		user, hasUser := env["SUPERVISOR_USERNAME"]
		pass := env["SUPERVISOR_PASSWORD"]
		hashed := strings.HasPrefix(srv.Password, "{SHA}")
		want := fmt.Sprintf("environment=SUPERVISOR_USERNAME=\"%s\",SUPERVISOR_PASSWORD=\"%s\"", srv.Username, srv.Password)
		if hashed {
			want = fmt.Sprintf("environment=SUPERVISOR_USERNAME=\"%s\",SUPERVISOR_PASSWORD=\"<the password whose SHA-1 [%s] holds>\"", srv.Username, srv.Section.Name)
		}
		switch {
		case !hasUser && inherited.Err != nil:
			notes = append(notes, fmt.Sprintf("[%s]: credentials not checked: environment= has no SUPERVISOR_USERNAME, and %v: run golance doctor as root or as supervisord's user", section.Name, inherited.Err))
		case !hasUser:
			out = append(out, at(section, "environment",
				fmt.Sprintf("[%s] requires a username and password, which supervisord does not set for its children, and neither environment= nor %s has SUPERVISOR_USERNAME: every call of %s gets 401 Unauthorized", srv.Section.Name, inherited.from(), p.plugin),
				want))
		case user != srv.Username || !passwordMatches(srv.Password, pass):
			out = append(out, at(section, "environment",
				fmt.Sprintf("%s are not the username and password of [%s]: every call of %s gets 401 Unauthorized", sources(from), srv.Section.Name, p.plugin),
				want))
		case from["SUPERVISOR_USERNAME"] != "environment=" || from["SUPERVISOR_PASSWORD"] != "environment=":
			notes = append(notes, fmt.Sprintf("[%s] gets %s", section.Name, sources(from)))
		}
	}
	return out, notes, nil
}

// sources says where a listener's credentials come from.
func sources(from map[string]string) string {
	u, p := from["SUPERVISOR_USERNAME"], from["SUPERVISOR_PASSWORD"]
	switch {
	case p == "":
		return "SUPERVISOR_USERNAME from " + u + ", and no SUPERVISOR_PASSWORD,"
	case p == u:
		return "SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD from " + u
	}
	return "SUPERVISOR_USERNAME from " + u + " and SUPERVISOR_PASSWORD from " + p
}

// passwordMatches reports whether pass is what a server section's
// password= accepts: the text itself, or for "{SHA}hex" the password
// whose SHA-1 that is, as supervisord's http.py compares them.
func passwordMatches(written, pass string) bool {
	if digest, ok := strings.CutPrefix(written, "{SHA}"); ok {
		sum := sha1.Sum([]byte(pass))
		return hex.EncodeToString(sum[:]) == digest
	}
	return written == pass
}

// serving returns the server section url reaches, nil for none.
func serving(servers []*supervisorconf.Server, url string) *supervisorconf.Server {
	for _, s := range servers {
		if s.URL() == url {
			return s
		}
	}
	return nil
}

// at places a finding on key of section, or on its header when the key is
// not written there.
func at(s *supervisorconf.Section, key, problem, fix string) Finding {
	f := Finding{File: s.File, Line: s.Line, Section: s.Name, Problem: problem, Fix: fix}
	if v, ok := s.Lookup(key); ok {
		f.File, f.Line = v.File, v.Line
	}
	return f
}

func eventNames(events []listener.EventType) []string {
	var out []string
	for _, e := range events {
		out = append(out, string(e))
	}
	return out
}
