package restart

import (
	"errors"
	"fmt"
	"testing"

	"github.com/golance/golance/listener/rpc"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		// The exact texts superlance's tests expect.
		{&rpc.Fault{Code: rpc.ErrFailed, String: "FAILED"}, "<Fault 30: 'FAILED'>"},
		{&rpc.Fault{Code: rpc.ErrSpawnError, String: "SPAWN_ERROR"}, "<Fault 50: 'SPAWN_ERROR'>"},
		{fmt.Errorf("stopping: %w", &rpc.Fault{Code: rpc.ErrBadName, String: "BAD_NAME: foo"}), "<Fault 10: 'BAD_NAME: foo'>"},
		{&rpc.Fault{Code: rpc.ErrFailed, String: "it's\tgone\\"}, `<Fault 30: "it's\tgone\\">`},
		{&rpc.Fault{Code: rpc.ErrFailed, String: `'"`}, `<Fault 30: '\'"'>`},
		{errors.New("dial unix /x.sock: connect: no such file or directory"), "dial unix /x.sock: connect: no such file or directory"},
	}
	for _, tt := range tests {
		if got := Describe(tt.err); got != tt.want {
			t.Errorf("Describe(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}
