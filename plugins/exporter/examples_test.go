package exporter

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// The configuration docs/fleet.md ships is what the real tools accept:
// the rules file passes promtool check rules and its unit tests (promtool
// test rules), the Prometheus and Alertmanager examples their checkers.
func TestFleetExamples(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	amtool := requireTool(t, "amtool", "prometheus-alertmanager")
	dir := filepath.Join("..", "..", "docs", "examples")
	for _, args := range [][]string{
		{promtool, "check", "rules", "supervisord.rules.yml"},
		{promtool, "test", "rules", "supervisord.rules.test.yml"},
		{promtool, "check", "config", "prometheus.yml"},
		{amtool, "check-config", "alertmanager.yml"},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%v: %v\n%s", args[1:], err, out)
		}
	}
}
