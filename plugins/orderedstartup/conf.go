package orderedstartup

import (
	"errors"
	"fmt"

	"github.com/golance/golance/internal/supervisorconf"
)

// ErrConf is wrapped by every error about the contents of the
// configuration: a file that cannot be read or parsed, a bad value.
var ErrConf = errors.New("bad supervisord configuration")

// Conf is a supervisord configuration, read by supervisorconf exactly as
// supervisord reads it; ordered-startup adds only its own keys
// (ReadOptions).
type Conf = supervisorconf.Config

// LoadConf reads the configuration at path and the files it includes,
// with env as supervisord's environment for %(ENV_X)s (nil: this
// process's, which supervisord started with its own environment plus
// [supervisord] environment=).
func LoadConf(path string, env []string) (*Conf, error) {
	c, err := supervisorconf.Loader{Env: env}.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConf, err)
	}
	return c, nil
}
