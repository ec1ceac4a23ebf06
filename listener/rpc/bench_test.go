package rpc

import (
	"context"
	"net/http"
	"testing"
)

// The round trip of the call a monitoring listener makes every tick, over
// a unix socket, with supervisord's real reply for 15 processes.
func BenchmarkGetAllProcessInfo(b *testing.B) {
	f := loadFixture(b, "getAllProcessInfo")
	s := serveUnix(b, func(w http.ResponseWriter, _ request) { f.write(w) })
	c := newClient(b, s.url)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetAllProcessInfo(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// Decoding alone, without the transport.
func BenchmarkDecodeGetAllProcessInfo(b *testing.B) {
	body := loadFixture(b, "getAllProcessInfo").body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var infos []ProcessInfo
		if err := decodeResponse("supervisor.getAllProcessInfo", body, &infos); err != nil {
			b.Fatal(err)
		}
	}
}

// A log tail full of colour codes takes the escaping path.
func BenchmarkDecodeTailWithControls(b *testing.B) {
	body := loadFixture(b, "tailProcessStdoutLog_control").body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var reply []any
		if err := decodeResponse("supervisor.tailProcessStdoutLog", body, &reply); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMulticall(b *testing.B) {
	f := loadFixture(b, "multicall")
	s := serveUnix(b, func(w http.ResponseWriter, _ request) { f.write(w) })
	c := newClient(b, s.url)
	calls := make([]MethodCall, 7)
	for i := range calls {
		calls[i] = MethodCall{Method: "supervisor.getPID"}
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Multicall(ctx, calls...); err != nil {
			b.Fatal(err)
		}
	}
}
