package supervisorconf

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Layout reads the groups and process names of a file whose programs
// Groups refuses for what only making a process needs.
func TestLayout(t *testing.T) {
	t.Parallel()
	c, err := Loader{Env: []string{}}.Parse([]byte(`
[group:g]
programs = a
[program:a]
process_name = a_%(process_num)d
numprocs = 2
startinorder = true
[program:b]
stdout_logfile = /nonexistent/b.log
[eventlistener:l]
events = TICK_5
`), filepath.Join(t.TempDir(), "s.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Groups(); err == nil || !strings.Contains(err.Error(), "[program:a] has no command= line") {
		t.Errorf("Groups: %v, want the missing command", err)
	}
	groups, err := c.Layout()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		for _, p := range g.Processes {
			got = append(got, g.Kind+" "+g.Name+":"+p.Name)
		}
	}
	want := []string{"eventlistener l:l", "program b:b", "group g:a_0", "group g:a_1"}
	if !slices.Equal(got, want) {
		t.Errorf("layout %q, want %q", got, want)
	}
	if v, ok, err := groups[2].Programs[0].Get("startinorder"); !ok || err != nil || v != "true" {
		t.Errorf("Program.Get = %q, %t, %v", v, ok, err)
	}
}
