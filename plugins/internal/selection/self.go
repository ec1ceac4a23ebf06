package selection

import "github.com/golance/golance/listener"

// Self names the listener's own process, as supervisord tells its
// children in SUPERVISOR_GROUP_NAME and SUPERVISOR_PROCESS_NAME. The zero
// Self (a listener run by hand) is no process.
type Self struct {
	Group, Name string
}

// CurrentSelf returns the process this program runs as under supervisord.
func CurrentSelf() Self {
	group, name, ok := listener.Self()
	if !ok {
		return Self{}
	}
	return Self{Group: group, Name: name}
}

// Is reports whether the process name of group group is the listener.
func (s Self) Is(group, name string) bool {
	return s.Name != "" && group == s.Group && name == s.Name
}

// String returns the listener's namespec, or "" for the zero Self.
func (s Self) String() string {
	if s.Name == "" {
		return ""
	}
	return listener.Namespec(s.Group, s.Name)
}
