package crashinfo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/golance/golance/listener/rpc"
)

// A snapshot is what Fetch reads first, before anything else: the
// process's getProcessInfo and the ends of both its logs.
//
// supervisord starts a crashed process again (autorestart) in the very
// turn of its loop in which it hands the listener the event, so the next
// run's first output can reach the log while the listener is still
// asking about the crash; a mail about pid 17410 then quoted "started pid
// 17465". A Source that can make a system.multicall (*rpc.Client) reads
// all three in one call, which supervisord runs within one turn of its
// loop, as early as the listener can ask; without one they are read one
// after the other, the logs first. What the next run writes in the
// moment between its spawn and that call (its exec takes about that
// long) is the only output of it a snapshot can hold.
type snapshot struct {
	info    rpc.ProcessInfo
	infoErr error
	tails   [2]logTail // stderr, stdout
}

type logTail struct {
	tail rpc.LogTail
	err  error
}

// multicaller is the part of *rpc.Client that makes system.multicall.
type multicaller interface {
	Multicall(ctx context.Context, calls ...rpc.MethodCall) ([]rpc.MulticallResult, error)
}

// takeSnapshot reads the snapshot of process ns; with logs false it reads
// only getProcessInfo.
func takeSnapshot(ctx context.Context, src Source, ns string, logs bool) snapshot {
	var s snapshot
	if !logs {
		s.info, s.infoErr = src.GetProcessInfo(ctx, ns)
		return s
	}
	if m, ok := src.(multicaller); ok {
		results, err := m.Multicall(ctx,
			rpc.MethodCall{Method: "supervisor.getProcessInfo", Params: []any{ns}},
			rpc.MethodCall{Method: "supervisor.tailProcessStderrLog", Params: []any{ns, 0, tailBytes}},
			rpc.MethodCall{Method: "supervisor.tailProcessStdoutLog", Params: []any{ns, 0, tailBytes}})
		if err == nil && len(results) == 3 {
			s.infoErr = results[0].Decode(&s.info)
			for i := range s.tails {
				s.tails[i] = decodeTail(results[i+1])
				if errors.Is(s.tails[i].err, rpc.ErrFailed) && strings.Contains(s.tails[i].err.Error(), "UnicodeDecodeError") {
					// The cut split a UTF-8 character, which supervisord
					// cannot answer; the single call moves the cut.
					if i == 0 {
						s.tails[i].tail, s.tails[i].err = src.TailProcessStderrLog(ctx, ns, 0, tailBytes)
					} else {
						s.tails[i].tail, s.tails[i].err = src.TailProcessStdoutLog(ctx, ns, 0, tailBytes)
					}
				}
			}
			return s
		}
	}
	s.tails[0].tail, s.tails[0].err = src.TailProcessStderrLog(ctx, ns, 0, tailBytes)
	s.tails[1].tail, s.tails[1].err = src.TailProcessStdoutLog(ctx, ns, 0, tailBytes)
	s.info, s.infoErr = src.GetProcessInfo(ctx, ns)
	return s
}

func decodeTail(r rpc.MulticallResult) logTail {
	var reply []any // [string bytes, int offset, boolean overflow]
	if err := r.Decode(&reply); err != nil {
		return logTail{err: err}
	}
	if len(reply) == 3 {
		data, ok1 := reply[0].(string)
		off, ok2 := reply[1].(int64)
		overflow, ok3 := reply[2].(bool)
		if ok1 && ok2 && ok3 {
			return logTail{tail: rpc.LogTail{Data: data, Offset: int(off), Overflow: overflow}}
		}
	}
	return logTail{err: fmt.Errorf("%s: %w: want [string, int, boolean], got %#v", r.Method, rpc.ErrBadResponse, reply)}
}
