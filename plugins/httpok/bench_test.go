package httpok

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/resident"
	"github.com/golance/golance/internal/testkit/rig"
)

// BenchmarkTickRealSupervisord measures httpok -E's tick as supervisord
// 4.2.5 lives it, from its own debug log, with 100, 500 and 1000
// processes: the check of a healthy URL served by another program, while
// the watched process runs, which httpok knows from its process table
// (see testkit.TickUnderSupervisord for the figures). Without -E a healthy
// tick calls supervisord never, so -E is the case the table is for. make
// bench runs it with -benchtime 1x: a run takes half a minute per size.
func BenchmarkTickRealSupervisord(b *testing.B) {
	httpok := resident.Build(b, "httpok", "CGO_ENABLED=0")
	webserve := rig.Binary(b, "webserve")
	for _, n := range []int{100, 500, 1000} {
		b.Run(fmt.Sprintf("processes-%d", n), func(b *testing.B) {
			for b.Loop() {
				addr := freePort(b)
				testkit.TickUnderSupervisord(b, testkit.TickBench{
					Pool:    "httpok",
					Command: fmt.Sprintf("%s -E -p sleep_0007 http://%s/health", httpok, addr),
					Sections: fmt.Sprintf(`
						[program:web]
						command=%s %s 200
						startsecs=0
						stdout_logfile=NONE
					`, webserve, addr),
				}, n)
			}
		})
	}
}

// BenchmarkCheck measures one check of a healthy http URL as httpok makes
// it, by dial, and as net/http's client made it before: its allocations
// land on fresh heap pages until the runtime's next forced collection,
// two minutes later when httpok is idle, so they show in its resident
// memory (the package doc). The server answers each connection in turn,
// with one buffer, so that its own allocations are few, and the same for
// both ways.
func BenchmarkCheck(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			// The request fits one read on the loopback.
			c.Read(buf)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
			c.Close()
		}
	}()
	u, err := parseURL("http://" + l.Addr().String() + "/health")
	if err != nil {
		b.Fatal(err)
	}
	for _, way := range []string{"dial", "client"} {
		b.Run(way, func(b *testing.B) {
			p := newProber(u, auth{}, defaultTimeout, defaultRetryInterval, false, false, nil)
			if way == "client" {
				p.client = newClient(p.dialer, p.timeout, false, nil)
			}
			b.ReportAllocs()
			for b.Loop() {
				if res := p.check(context.Background()); res.err != nil || res.code != http.StatusOK {
					b.Fatalf("%+v", res)
				}
			}
		})
	}
}
