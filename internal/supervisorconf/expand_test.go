package supervisorconf

import (
	"errors"
	"strings"
	"testing"

	"github.com/golance/golance/internal/pyfmt"
)

func TestExpand(t *testing.T) {
	t.Parallel()
	vars := map[string]any{"program_name": "web", "process_num": 3, "ENV_HOME": "/root"}
	if got, err := Expand("%(program_name)s_%(process_num)02d %(ENV_HOME)s 100%%", vars, "program:web.command"); err != nil || got != "web_03 /root 100%" {
		t.Errorf("Expand = %q, %v", got, err)
	}
	_, err := Expand("%(nosuch)s", vars, "program:web.command")
	var pe *pyfmt.Error
	if !errors.As(err, &pe) || pe.Type != "KeyError" || !strings.Contains(err.Error(), "%(nosuch) cannot be expanded; supervisord offers %(process_num), %(program_name), %(ENV_X) for each variable X of its environment here") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := Expand("100%", vars, "x"); err == nil || !strings.Contains(err.Error(), "badly formatted: incomplete format; write %% for a percent sign") {
		t.Errorf("lone percent: %v", err)
	}
}
