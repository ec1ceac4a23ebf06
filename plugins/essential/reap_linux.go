//go:build linux

package essential

import (
	"os"
	"strconv"

	"github.com/golance/golance/plugins/internal/procfile"
	"golang.org/x/sys/unix"
)

// becomeSubreaper makes the orphans of this process's descendants its
// children rather than init's, so that essential run reaps them and can
// end them at exit even when it is not PID 1 (PID 1 is their reaper
// anyway).
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// children lists this process's live children from /proc.
func children() ([]int, error) {
	d, err := procfile.OpenDir("")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	entries, err := os.ReadDir(d.Root())
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := d.ReadSmall(e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		st, err := procfile.ParseStat(b)
		if err != nil || st.PPID != self || st.State == 'Z' {
			continue
		}
		out = append(out, pid)
	}
	return out, nil
}
