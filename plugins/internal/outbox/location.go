package outbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/golance/golance/listener"
)

// None, as the --outbox value, turns the outbox off: each notification is
// delivered before its event is answered, and the event is rejected when
// delivery fails.
const None = "none"

// SystemDir is the state directory used, when writable, if neither
// --outbox nor $STATE_DIRECTORY says otherwise.
const SystemDir = "/var/lib/golance"

// DefaultDir returns where a listener keeps its outbox when --outbox is not
// given: $STATE_DIRECTORY (set by systemd's StateDirectory=), else
// /var/lib/golance when it is writable or can be created, else the user's
// state directory ($XDG_STATE_HOME, or ~/.local/state, plus /golance);
// then a subdirectory per listener, named after the process supervisord
// gave it, so that two listeners never share a store by accident. program
// names the subdirectory outside supervisord.
func DefaultDir(getenv func(string) string, program string) (string, error) {
	base := ""
	if s := getenv("STATE_DIRECTORY"); s != "" {
		// systemd separates several directories with colons.
		base, _, _ = strings.Cut(s, ":")
	} else if writable(SystemDir) {
		base = SystemDir
	} else if s := getenv("XDG_STATE_HOME"); s != "" {
		base = filepath.Join(s, "golance")
	} else if home := getenv("HOME"); home != "" {
		base = filepath.Join(home, ".local", "state", "golance")
	} else {
		return "", errors.New("no state directory: set STATE_DIRECTORY or HOME, or give --outbox DIR (or --outbox none)")
	}
	return filepath.Join(base, listenerDirName(getenv, program)), nil
}

// listenerDirName is the listener's namespec, with the colon between group
// and process replaced so the name also reads well in a shell.
func listenerDirName(getenv func(string) string, program string) string {
	group, name := getenv("SUPERVISOR_GROUP_NAME"), getenv("SUPERVISOR_PROCESS_NAME")
	if name == "" {
		return program
	}
	if group == "" {
		group = name
	}
	return strings.ReplaceAll(listener.Namespec(group, name), ":", "-")
}

// writable reports whether dir exists and can be written, or can be
// created.
func writable(dir string) bool {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}
