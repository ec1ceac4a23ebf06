package httpok

import (
	"log/slog"
	"strings"
	"sync"
)

// pyList formats names as Python prints a list of strings, as superlance's
// lines show them: ['web', 'db'].
func pyList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(n, `\`, `\\`), "'", `\'`) + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// report gathers the lines of one act: logged as they come, mailed in
// superlance's order once every restart is over.
type report struct {
	log     *slog.Logger
	msg     string
	mu      sync.Mutex
	head    []string
	entries []*entry
	tail    []string
	pending sync.WaitGroup
}

// entry holds the lines of one process's restart.
type entry struct {
	r       *report
	prelude []string
	lines   []string
	once    sync.Once
}

func (r *report) add(line string) {
	logLine(r.log, line)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.entries) == 0 {
		r.head = append(r.head, line)
	} else {
		r.tail = append(r.tail, line)
	}
}

func (r *report) entry() *entry {
	e := &entry{r: r}
	r.pending.Add(1)
	r.mu.Lock()
	r.entries = append(r.entries, e)
	r.mu.Unlock()
	return e
}

// wait waits until every restart has finished and returns the mail body.
func (r *report) wait() string {
	r.pending.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := append([]string{r.msg}, r.head...)
	for _, e := range r.entries {
		lines = append(lines, e.prelude...)
		lines = append(lines, e.lines...)
	}
	lines = append(lines, r.tail...)
	return strings.Join(lines, "\n")
}

func (e *entry) add(line string) {
	logLine(e.r.log, line)
	e.r.mu.Lock()
	defer e.r.mu.Unlock()
	e.lines = append(e.lines, line)
}

// prepend adds a line that the mail shows before the entry's others, as
// superlance shows gcore's output before the restart.
func (e *entry) prepend(line string) {
	logLine(e.r.log, line)
	e.r.mu.Lock()
	defer e.r.mu.Unlock()
	e.prelude = append(e.prelude, line)
}

func (e *entry) done() { e.once.Do(e.r.pending.Done) }

// logLine logs one of a report's lines, a failure as an error.
func logLine(l *slog.Logger, line string) {
	if strings.HasPrefix(line, "Failed to ") {
		l.Error(line)
		return
	}
	l.Info(line)
}
