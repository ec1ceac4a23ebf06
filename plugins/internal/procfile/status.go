package procfile

import "fmt"

// ParseTgid returns the thread group of a task, its process, from the
// Tgid line of the text of /proc/<pid>/status: a thread is allocated a pid
// like a process, and /proc/<tid> answers for it although /proc lists
// only processes, so a reader of new pids tells the two apart by it.
func ParseTgid(b []byte) (int, error) {
	v, err := keyedNumber(b, "Tgid:\t")
	if err != nil {
		return 0, fmt.Errorf("status: %w", err)
	}
	return int(v), nil
}
