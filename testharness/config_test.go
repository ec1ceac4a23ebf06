package testharness

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
)

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Pools: []Pool{{Name: "p"}}}, `[eventlistener:p] requires an "events" line`},
		{Config{Pools: []Pool{{Name: "p", Events: []listener.EventType{"NOPE"}}}}, `unknown event type "NOPE"`},
		{Config{Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.Tick5}, ProcessConfig: ProcessConfig{RedirectStderr: true}}}}, "redirect_stderr is not allowed"},
		{Config{Programs: []Program{{Name: "a b"}}}, "invalid name"},
		{Config{Programs: []Program{{Name: "w", ProcessConfig: ProcessConfig{NumProcs: 2}}}}, "%(process_num) must be present"},
		{Config{Groups: []Group{{Name: "g", Programs: []string{"missing"}}}}, "names unknown program missing"},
		{Config{Programs: []Program{{Name: "x", ProcessConfig: ProcessConfig{Command: []string{"a"}, Run: func(context.Context, io.Reader, io.Writer, io.Writer) error { return nil }}}}}, "not both"},
		{Config{Programs: []Program{{Name: "x", ProcessConfig: ProcessConfig{ProcessName: "%(nope)s"}}}}, "%(nope) cannot be expanded"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want a ConfigError containing %q", tt.cfg, err, tt.want)
		}
	}
}
