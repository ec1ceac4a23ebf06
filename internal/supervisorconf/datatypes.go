package supervisorconf

import (
	"fmt"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/golance/golance/internal/pyfmt"
)

// The conversions of supervisor/datatypes.py, each refusing what it
// refuses with Python's message (a *pyfmt.Error). The callers add the
// file, section, key and fix.

func valueErr(msg string) error { return &pyfmt.Error{Type: "ValueError", Msg: msg} }

// integer is datatypes.integer: int(value).
func integer(v string) (int, error) {
	n, err := pyfmt.Atoi(v)
	if err != nil {
		return 0, err
	}
	if int64(int(n)) != n {
		return 0, &pyfmt.Error{Type: "OverflowError", Msg: "Python int too large to convert to C long", Err: strconv.ErrRange}
	}
	return int(n), nil
}

// Boolean reads v as supervisord reads a boolean (datatypes.boolean): yes,
// true, on or 1, and no, false, off or 0, in any case. The error is
// Python's, a *pyfmt.Error. It is for the keys listeners add to program
// sections.
func Boolean(v string) (bool, error) { return boolean(v) }

func boolean(v string) (bool, error) {
	switch pyLower(v) {
	case "yes", "true", "on", "1":
		return true, nil
	case "no", "false", "off", "0":
		return false, nil
	}
	return false, valueErr("not a valid boolean value: " + pyfmt.Repr(v))
}

// listOfStrings is datatypes.list_of_strings: split at commas, each part
// stripped, empty parts kept.
func listOfStrings(v string) []string {
	if v == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = pyfmt.TrimSpace(p)
	}
	return parts
}

// listOfExitcodes is datatypes.list_of_exitcodes: "0,2", each from 0 to
// 255; an empty value is no code at all.
func listOfExitcodes(v string) ([]int, error) {
	if v == "" {
		return []int{}, nil
	}
	var codes []int
	for _, p := range strings.Split(v, ",") {
		n, err := integer(p)
		if err != nil || n < 0 || n > 255 {
			return nil, valueErr("not a valid list of exit codes: " + pyfmt.Repr(v))
		}
		codes = append(codes, n)
	}
	return codes, nil
}

// dictOfKeyValuePairs is datatypes.dict_of_key_value_pairs, which reads
// KEY=val,KEY2="val, 2" with shlex in its non-POSIX mode: tokens come in
// fours (key, =, value, anything), the value loses its surrounding quotes.
// A character shlex does not count as part of a word, such as an é or a $
// outside quotes, ends the value there: supervisord reads A=café as
// A=caf. The keys keep their order; a repeated one keeps its first place.
func dictOfKeyValuePairs(v string) ([][2]string, error) {
	l := &shlex{in: []rune(v), state: ' ', wordExtra: "/.+-():"}
	var tokens []string
	for {
		tok, ok, err := l.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		tokens = append(tokens, tok)
	}
	var pairs [][2]string
	index := map[string]int{}
	for i := 0; i < len(tokens); i += 4 {
		if i+3 > len(tokens) || tokens[i+1] != "=" {
			return nil, valueErr(fmt.Sprintf("Unexpected end of key/value pairs in value '%s'", v))
		}
		k, val := tokens[i], strings.Trim(tokens[i+2], `'"`)
		if j, seen := index[k]; seen {
			pairs[j][1] = val
			continue
		}
		index[k] = len(pairs)
		pairs = append(pairs, [2]string{k, val})
	}
	return pairs, nil
}

// byteSize is datatypes.byte_size: a number, optionally followed by kb,
// mb or gb in any case.
func byteSize(v string) (int64, error) {
	l := pyLower(v)
	mult := int64(1)
	for _, s := range []struct {
		suffix string
		mult   int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}} {
		if strings.HasSuffix(l, s.suffix) {
			l, mult = l[:len(l)-2], s.mult
			break
		}
	}
	n, err := pyfmt.Atoi(l)
	if err != nil {
		return 0, err
	}
	return n * mult, nil
}

// octalType is datatypes.octal_type: int(value, 8).
func octalType(v string) (int, error) {
	n, err := pyfmt.ParseInt(v, 8)
	if err != nil {
		return 0, valueErr(v + " can not be converted to an octal type")
	}
	return int(n), nil
}

// SignalNumber reads v as supervisord reads a signal
// (datatypes.signal_number), in stopsignal= and in the signalProcess
// call: a number Python's signal module knows, or a name with or without
// SIG, in any case. The error is Python's, a *pyfmt.Error.
func SignalNumber(v string) (syscall.Signal, error) { return signalNumber(v) }

func signalNumber(v string) (syscall.Signal, error) {
	n, err := pyfmt.Atoi(v)
	if err != nil {
		name := strings.ToUpper(pyfmt.TrimSpace(v))
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		sig, ok := signalsByName[name]
		if !ok {
			return 0, valueErr(fmt.Sprintf("value %s is not a valid signal name", pyfmt.Repr(v)))
		}
		return sig, nil
	}
	for _, sig := range signalsByName {
		if int64(sig) == n {
			return sig, nil
		}
	}
	return 0, valueErr(fmt.Sprintf("value %s is not a valid signal number", pyfmt.Repr(v)))
}

// signalsByName is what getattr(signal, name) finds on Linux: the
// signals, their aliases, and the handler and mask constants, whose
// numbers supervisord accepts too.
var signalsByName = map[string]syscall.Signal{
	"SIGABRT": 6, "SIGALRM": 14, "SIGBUS": 7, "SIGCHLD": 17, "SIGCLD": 17, "SIGCONT": 18, "SIGFPE": 8, "SIGHUP": 1,
	"SIGILL": 4, "SIGINT": 2, "SIGIO": 29, "SIGIOT": 6, "SIGKILL": 9, "SIGPIPE": 13, "SIGPOLL": 29, "SIGPROF": 27,
	"SIGPWR": 30, "SIGQUIT": 3, "SIGRTMAX": 64, "SIGRTMIN": 34, "SIGSEGV": 11, "SIGSTKFLT": 16, "SIGSTOP": 19,
	"SIGSYS": 31, "SIGTERM": 15, "SIGTRAP": 5, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23,
	"SIGUSR1": 10, "SIGUSR2": 12, "SIGVTALRM": 26, "SIGWINCH": 28, "SIGXCPU": 24, "SIGXFSZ": 25,
	"SIG_BLOCK": 0, "SIG_DFL": 0, "SIG_IGN": 1, "SIG_SETMASK": 2, "SIG_UNBLOCK": 1,
}

// autoRestart is datatypes.auto_restart.
func autoRestart(v string) (Autorestart, error) {
	l := pyLower(v)
	switch l {
	case "yes", "true", "on", "1":
		return RestartAlways, nil
	case "no", "false", "off", "0":
		return RestartNever, nil
	case "unexpected":
		return RestartUnexpected, nil
	}
	return 0, valueErr(fmt.Sprintf("invalid 'autorestart' value %s", pyfmt.Repr(l)))
}

// logfileName is datatypes.logfile_name: NONE or OFF, AUTO, SYSLOG, or a
// path in an existing directory.
func (c *Config) logfileName(v string) (string, error) {
	switch pyLower(v) {
	case "none", "off":
		return LogNone, nil
	case "auto":
		return LogAuto, nil
	case "syslog":
		return LogSyslog, nil
	}
	return c.existingDirpath(v)
}

// processOrGroupName is datatypes.process_or_group_name: stripped, with
// no space, colon or slash.
func processOrGroupName(v string) (string, error) {
	s := pyfmt.TrimSpace(v)
	for _, c := range " :/" {
		if strings.ContainsRune(s, c) {
			return "", valueErr(fmt.Sprintf("Invalid name: %s because of character: %s", pyfmt.Repr(v), pyfmt.Repr(string(c))))
		}
	}
	return s, nil
}

// inetAddress is datatypes.inet_address: [host:]port, host lower-cased,
// * or nothing meaning every address ("").
func inetAddress(v string) (host string, port int, err error) {
	if i := strings.LastIndexByte(v, ':'); i >= 0 {
		host, v = v[:i], v[i+1:]
		if v == "" {
			return "", 0, valueErr("no port number specified in " + pyfmt.Repr(v))
		}
		if port, err = portNumber(v); err != nil {
			return "", 0, err
		}
		host = pyLower(host)
	} else if port, err = portNumber(v); err != nil {
		return "", 0, valueErr("not a valid port number: " + pyfmt.Repr(v) + " ")
	}
	if host == "*" {
		host = ""
	}
	return host, port, nil
}

func portNumber(v string) (int, error) {
	n, err := integer(v)
	switch {
	case err != nil:
		return 0, err
	case n < 1:
		return 0, valueErr(fmt.Sprintf("%d is below lower bound (1)", n))
	case n > 0xffff:
		return 0, valueErr(fmt.Sprintf("%d is above upper bound (65535)", n))
	}
	return n, nil
}

// loggingLevel is datatypes.logging_level.
func loggingLevel(v string) (string, error) {
	l := pyLower(v)
	switch l {
	case "critical", "error", "warn", "info", "debug", "trace", "blather":
		return l, nil
	}
	return "", valueErr("bad logging level name " + pyfmt.Repr(v))
}

// existingDirectory is datatypes.existing_directory, ~ expanded.
func (c *Config) existingDirectory(v string) (string, error) {
	p := c.expandUser(v)
	if isDir(p) {
		return p, nil
	}
	return "", valueErr(v + " is not an existing directory")
}

// existingDirpath is datatypes.existing_dirpath: a path whose directory
// exists, ~ expanded.
func (c *Config) existingDirpath(v string) (string, error) {
	p := c.expandUser(v)
	if dir, _ := splitPath(p); dir == "" || isDir(dir) {
		return p, nil
	}
	return "", valueErr(fmt.Sprintf("The directory named as part of the path %s does not exist", v))
}

// expandUser is os.path.expanduser, with supervisord's $HOME.
func (c *Config) expandUser(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		i = len(p)
	}
	var home string
	if name := p[1:i]; name == "" {
		if home = c.getenv("HOME"); home == "" {
			if u, err := user.Current(); err == nil {
				home = u.HomeDir
			}
		}
	} else if u, err := user.Lookup(name); err == nil {
		home = u.HomeDir
	} else {
		return p
	}
	if home == "" {
		return p
	}
	home = strings.TrimRight(home, "/")
	if home == "" {
		home = "/"
	}
	return home + p[i:]
}

// nameToUID is datatypes.name_to_uid: a user name or a number, either
// known to the system.
func nameToUID(v string) (int, error) {
	if n, err := pyfmt.Atoi(v); err == nil {
		if _, err := user.LookupId(strconv.FormatInt(n, 10)); err != nil {
			return 0, valueErr("Invalid user id " + v)
		}
		return int(n), nil
	}
	u, err := user.Lookup(v)
	if err != nil {
		return 0, valueErr("Invalid user name " + v)
	}
	return strconv.Atoi(u.Uid)
}

// nameToGID is datatypes.name_to_gid.
func nameToGID(v string) (int, error) {
	if n, err := pyfmt.Atoi(v); err == nil {
		if _, err := user.LookupGroupId(strconv.FormatInt(n, 10)); err != nil {
			return 0, valueErr("Invalid group id " + v)
		}
		return int(n), nil
	}
	g, err := user.LookupGroup(v)
	if err != nil {
		return 0, valueErr("Invalid group name " + v)
	}
	return strconv.Atoi(g.Gid)
}

// colonSeparatedUserGroup is datatypes.colon_separated_user_group:
// user[:group], -1 for no group.
func colonSeparatedUserGroup(v string) (uid, gid int, err error) {
	name, group, hasGroup := strings.Cut(v, ":")
	if uid, err = nameToUID(name); err == nil {
		gid = -1
		if hasGroup {
			gid, err = nameToGID(group)
		}
	}
	if err != nil {
		return 0, 0, valueErr("Invalid user:group definition " + v)
	}
	return uid, gid, nil
}

// normalizePath is options.normalize_path: ~ expanded, absolute, clean.
func (c *Config) normalizePath(p string) string {
	abs, err := filepath.Abs(c.expandUser(p))
	if err != nil {
		return filepath.Clean(p)
	}
	return abs
}

// pyLower is Python's str.lower(): Go's lower-casing but for the one
// letter Python folds to two.
func pyLower(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "\u0130", "i\u0307"))
}
