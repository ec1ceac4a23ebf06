package orderedstartup

import (
	"errors"
	"fmt"

	"github.com/golance/golance/internal/supervisorconf"
)

// errConf is wrapped by every error about the contents of the
// configuration: a file that cannot be read or parsed, a bad value.
var errConf = errors.New("bad supervisord configuration")

// loadConf reads the configuration at path and the files it includes, as
// supervisorconf reads them, exactly as supervisord does (ordered-startup
// adds only its own keys, readOptions),
// with env as supervisord's environment for %(ENV_X)s (nil: this
// process's, which supervisord started with its own environment plus
// [supervisord] environment=).
func loadConf(path string, env []string) (*supervisorconf.Config, error) {
	c, err := supervisorconf.Loader{Env: env}.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errConf, err)
	}
	return c, nil
}
