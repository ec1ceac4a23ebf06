package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/prometheus/procfs"
)

// Inherited is what every listener inherits from supervisord before its
// environment= lines apply: supervisord starts each child with a copy of
// its own environment (process.py, os.environ.copy()), so credentials
// given to supervisord itself (a systemd Environment=, a shell's export)
// reach every listener without an environment= line.
type Inherited struct {
	// PID is the running supervisord's, as it answers supervisor.getPID;
	// 0 when none answered, and the file is all there is to go by.
	PID int
	// Env is supervisord's environment, from /proc/<PID>/environ; nil
	// when PID is 0 or the file cannot be read (Err says why).
	Env map[string]string
	Err error
}

// ReadInherited asks the supervisord that runs cfg for its process ID and
// reads its environment under procRoot. A supervisord that does not
// answer gives the zero Inherited.
func ReadInherited(ctx context.Context, cfg *supervisorconf.Config, procRoot string) Inherited {
	client, _, err := dial(cfg)
	if err != nil {
		return Inherited{}
	}
	pid, err := client.GetPID(ctx)
	if err != nil || pid <= 0 {
		return Inherited{}
	}
	in := Inherited{PID: pid}
	fs, err := procfs.NewFS(procRoot)
	if err == nil {
		var p procfs.Proc
		if p, err = fs.Proc(pid); err == nil {
			var env []string
			if env, err = p.Environ(); err == nil {
				in.Env = map[string]string{}
				for _, kv := range env {
					k, v, _ := strings.Cut(kv, "=")
					in.Env[k] = v
				}
				return in
			}
		}
	}
	in.Err = fmt.Errorf("the environment of supervisord (pid %d) cannot be read from here (%w)", pid, err)
	return in
}

// from names supervisord's environment as a source of a listener's
// variables.
func (in Inherited) from() string {
	if in.PID == 0 {
		return "supervisord's own environment (no supervisord answered to read it from; every child inherits it)"
	}
	return fmt.Sprintf("supervisord's own environment (pid %d; every child inherits it)", in.PID)
}
