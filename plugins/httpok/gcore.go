package httpok

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/golance/golance/plugins/internal/restart"
)

// maxGcoreOutput bounds the gcore output kept for the log and the mail.
const maxGcoreOutput = 64 << 10

// gcore dumps the core of process ns (pid) into the core directory before
// its restart, as superlance does: it runs `<gcore> "<coredir>/<ns>" <pid>`
// through the shell and returns the line reporting its output. The output
// never reaches httpok's stdout, which carries the protocol.
func (c *handler) gcore(ctx context.Context, ns string, pid int) string {
	ctx, cancel := context.WithTimeout(ctx, restart.DefaultStepTimeout)
	defer cancel()
	command := c.cfg.gcore + " " + shellQuote(filepath.Join(c.cfg.coreDir, ns)) + " " + strconv.Itoa(pid)
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	var out bytes.Buffer
	cmd.Stdout = &limitedWriter{buf: &out, max: maxGcoreOutput}
	cmd.Stderr = cmd.Stdout
	// Its own process group, so that a timeout kills gcore and the
	// debugger it runs alike.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	text := strings.TrimRight(out.String(), "\n")
	if err != nil {
		text += "\n(" + command + ": " + err.Error() + ")"
	}
	return "gcore output for " + ns + ":\n\n " + text
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// limitedWriter keeps the first max bytes written to it.
type limitedWriter struct {
	buf *bytes.Buffer
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if room := w.max - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
