package proctable

import (
	"errors"
	"testing"

	"github.com/golance/golance/plugins/internal/procfile"
)

func TestParseLoadavgAndForks(t *testing.T) {
	last, threads, err := parseLoadavg([]byte("3.81 2.08 1.01 2/633 31394\n"))
	if err != nil || last != 31394 || threads != 633 {
		t.Errorf("parseLoadavg: %d %d %v", last, threads, err)
	}
	if _, _, err := parseLoadavg([]byte("3.81 2.08 1.01 2/633\n")); !errors.Is(err, procfile.ErrMalformed) {
		t.Errorf("short loadavg: %v", err)
	}
	forks, err := parseForks([]byte("cpu  1 2 3\nintr 5\nctxt 9\nbtime 1\nprocesses 123456\nprocs_running 2\n"))
	if err != nil || forks != 123456 {
		t.Errorf("parseForks: %d %v", forks, err)
	}
	if _, err := parseForks([]byte("cpu 1\n")); !errors.Is(err, procfile.ErrMalformed) {
		t.Errorf("no processes line: %v", err)
	}
}
