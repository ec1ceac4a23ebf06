package rig

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// Scripts runs a plugin's testscript scripts (p.Dir) with STATE_DIRECTORY
// set to a directory of each script's own, so that a listener's outbox
// lives in the script's work directory, never in the machine's
// /var/lib/golance, before p.Setup runs.
func Scripts(t *testing.T, p testscript.Params) {
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		env.Setenv("STATE_DIRECTORY", filepath.Join(env.WorkDir, ".state"))
		if setup != nil {
			return setup(env)
		}
		return nil
	}
	testscript.Run(t, p)
}
