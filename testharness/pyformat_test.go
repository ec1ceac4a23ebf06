package testharness

import "testing"

func TestPyFormat(t *testing.T) {
	t.Parallel()
	vars := map[string]any{"program_name": "web", "process_num": 7, "group_name": "g", "numprocs": 2}
	tests := []struct{ in, want string }{
		{"%(program_name)s", "web"},
		{"%(program_name)s_%(process_num)02d", "web_07"},
		{"%(group_name)s-%(process_num)d-of-%(numprocs)d", "g-7-of-2"},
		{"%(process_num)03x%%", "007%"},
		{"%(program_name)5s|%(program_name)-5s|", "  web|web  |"},
	}
	for _, tt := range tests {
		got, err := pyFormat(tt.in, vars)
		if err != nil || got != tt.want {
			t.Errorf("pyFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"%(nope)s", "%s", "%(program_name)", "%(program_name)q"} {
		if _, err := pyFormat(bad, vars); err == nil {
			t.Errorf("pyFormat(%q) succeeded, want an error", bad)
		}
	}
}
