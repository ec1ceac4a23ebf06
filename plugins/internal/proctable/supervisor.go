package proctable

import (
	"context"

	"github.com/golance/golance/listener/rpc"
)

// Supervisor is the part of supervisord's XML-RPC interface the table
// calls; *rpc.Client provides it.
type Supervisor interface {
	GetAllProcessInfo(ctx context.Context) ([]rpc.ProcessInfo, error)
	GetProcessInfo(ctx context.Context, name string) (rpc.ProcessInfo, error)
	Multicall(ctx context.Context, calls ...rpc.MethodCall) ([]rpc.MulticallResult, error)
	GetPID(ctx context.Context) (int, error)
}
