package supervisorconf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/golance/golance/internal/pyfmt"
)

// A Server is an [inet_http_server] or [unix_http_server] section: where
// supervisord serves XML-RPC, and the credentials it demands.
type Server struct {
	Section *Section
	// Family is "inet" or "unix".
	Family string
	// Host and Port are an inet server's address; Host "" is every
	// address.
	Host string
	Port int
	// File is a unix server's socket, absolute; Chmod its mode (0700),
	// ChownUID and ChownGID its owner (-1 for supervisord's).
	File        string
	Chmod       int
	ChownUID    int
	ChownGID    int
	Username    string
	Password    string // as written: "{SHA}" and a hex digest for a hashed one
	HasPassword bool   // username= and password= are set
}

// URL returns the URL a client reaches the server at, as supervisord
// writes SUPERVISOR_SERVER_URL: unix:///path, or http://host:port with
// localhost for every address.
func (s *Server) URL() string {
	if s.Family == "unix" {
		return "unix://" + s.File
	}
	host := s.Host
	if host == "" {
		host = "localhost"
	}
	return "http://" + host + ":" + strconv.Itoa(s.Port)
}

// Servers reads every server section as supervisord does
// (server_configs_from_parser): the inet ones, then the unix ones, each in
// the order of the file. Sections whose names start with inet_http_server
// or unix_http_server count, as in supervisord.
func (c *Config) Servers() ([]*Server, error) {
	var servers []*Server
	for _, family := range []string{"inet", "unix"} {
		for _, s := range c.sections {
			if !strings.HasPrefix(s.Name, family+"_http_server") {
				continue
			}
			srv, err := c.server(s, family)
			if err != nil {
				return nil, err
			}
			servers = append(servers, srv)
		}
	}
	return servers, nil
}

func (c *Config) server(s *Section, family string) (*Server, error) {
	srv := &Server{Section: s, Family: family, ChownUID: -1, ChownGID: -1}
	r := reader{c: c, s: s}
	if family == "unix" {
		// Only the socket's file gets %(here)s.
		r.expansions = map[string]any{"here": c.Here}
		file, ok := r.get("file", nil)
		if r.err == nil && !ok {
			return nil, &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: "has no file= line",
				Fix: "add file=/var/run/supervisor.sock or another path"}
		}
		srv.File, srv.Chmod = c.normalizePath(pyfmt.TrimSpace(file)), 0o700
		r.expansions = nil
	}
	user, hasUser := r.get("username", nil)
	pass, hasPass := r.get("password", nil)
	if r.err == nil && hasUser != hasPass {
		has, lacks := "username", "password"
		if hasPass {
			has, lacks = lacks, has
		}
		return nil, &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: fmt.Sprintf("has %s= but no %s=, and supervisord needs both or neither", has, lacks),
			Fix: "add " + lacks + "= or remove " + has + "="}
	}
	srv.Username, srv.Password, srv.HasPassword = user, pass, hasUser
	if family == "inet" {
		port, ok := r.get("port", nil)
		if r.err == nil && !ok {
			return nil, &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: "has no port= line",
				Fix: "add port=127.0.0.1:9001 or another [host:]port"}
		}
		if r.err == nil {
			var err error
			if srv.Host, srv.Port, err = inetAddress(port); err != nil {
				r.fail("port", err, "write [host:]port, such as 127.0.0.1:9001")
			}
		}
	}
	if family == "unix" {
		if chown, ok := r.get("chown", nil); ok {
			var err error
			if srv.ChownUID, srv.ChownGID, err = colonSeparatedUserGroup(chown); err != nil {
				r.fail("chown", valueErr("Invalid sockchown value "+chown), "write user or user:group of this system")
			}
		}
		if chmod, ok := r.get("chmod", nil); ok {
			var err error
			if srv.Chmod, err = octalType(chmod); err != nil {
				r.fail("chmod", valueErr("Invalid chmod value "+chmod), "write an octal mode such as 0700")
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return srv, nil
}

// ServerURL returns the URL supervisord gives its children as
// SUPERVISOR_SERVER_URL when their section has no serverurl=: its first
// unix server, else its first inet server; "" when it serves nothing.
func (c *Config) ServerURL() (string, error) {
	servers, err := c.Servers()
	if err != nil {
		return "", err
	}
	for _, family := range []string{"unix", "inet"} {
		for _, s := range servers {
			if s.Family == family {
				return s.URL(), nil
			}
		}
	}
	return "", nil
}

// Credentials returns the username and password of the server that
// serves url (a unix:// URL for its socket, an http:// one for its port),
// which a client of that URL must send. ok is false when no server
// matches, when it demands no password, or when its password is stored
// hashed ({SHA}...), which a client cannot send.
func (c *Config) Credentials(url string) (user, pass string, ok bool) {
	servers, err := c.Servers()
	if err != nil {
		return "", "", false
	}
	for _, s := range servers {
		if !s.serves(url, c.normalizePath) || !s.HasPassword {
			continue
		}
		if strings.HasPrefix(s.Password, "{SHA}") {
			return "", "", false
		}
		return s.Username, s.Password, true
	}
	return "", "", false
}

// serves reports whether url reaches s.
func (s *Server) serves(url string, normalize func(string) string) bool {
	if path, ok := strings.CutPrefix(url, "unix://"); ok {
		return s.Family == "unix" && normalize(path) == s.File
	}
	rest, ok := strings.CutPrefix(url, "http://")
	if !ok || s.Family != "inet" {
		return false
	}
	hostport, _, _ := strings.Cut(rest, "/")
	i := strings.LastIndexByte(hostport, ':')
	port := 80
	if i >= 0 {
		var err error
		if port, err = strconv.Atoi(hostport[i+1:]); err != nil {
			return false
		}
	}
	return port == s.Port
}
