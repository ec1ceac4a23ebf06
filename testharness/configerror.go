package testharness

// ConfigError reports a configuration supervisord would refuse, naming the
// section and what to change.
type ConfigError struct {
	Section string // "program:x", "eventlistener:x", "group:x" or ""
	Problem string // what is wrong and how to fix it
}

// Error names the section and the problem on one line.
func (e *ConfigError) Error() string {
	if e.Section == "" {
		return "testharness: " + e.Problem
	}
	return "testharness: [" + e.Section + "] " + e.Problem
}
