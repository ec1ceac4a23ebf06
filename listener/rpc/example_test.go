package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/golance/golance/listener/rpc"
)

// A listener started by supervisord finds the server in its environment.
func ExampleFromEnv() {
	c, err := rpc.FromEnv()
	if errors.Is(err, rpc.ErrNoServerURL) {
		fmt.Fprintln(os.Stderr, err) // says which sections to configure
		os.Exit(2)
	}
	ctx := context.Background()
	infos, err := c.GetAllProcessInfo(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range infos {
		fmt.Fprintf(os.Stderr, "%s %s %v\n", p.Namespec(), p.State, p.Uptime())
	}
}

// Faults are matched with errors.Is.
func ExampleClient_StartProcess() {
	c, err := rpc.New("unix:///var/run/supervisor.sock")
	if err != nil {
		log.Fatal(err)
	}
	// With wait, the call returns once the process is RUNNING, which can
	// take startsecs; bound it with the context if needed.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	switch err := c.StartProcess(ctx, "web:web_01", true); {
	case errors.Is(err, rpc.ErrAlreadyStarted):
		// nothing to do
	case errors.Is(err, rpc.ErrSpawnError), errors.Is(err, rpc.ErrAbnormalTermination):
		log.Printf("web:web_01 does not start: %v", err)
	case err != nil:
		log.Fatal(err)
	}
}

// Following a log the way "supervisorctl tail -f" does.
func ExampleClient_TailProcessStdoutLog() {
	c, err := rpc.New("unix:///var/run/supervisor.sock")
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	offset := 0
	for range 10 {
		tail, err := c.TailProcessStdoutLog(ctx, "web:web_01", offset, 64*1024)
		if err != nil {
			log.Fatal(err)
		}
		if tail.Overflow {
			fmt.Fprintln(os.Stderr, "[some output skipped]")
		}
		fmt.Fprint(os.Stderr, tail.Data)
		offset = tail.Offset
		time.Sleep(time.Second)
	}
}

// One round trip for several calls; each result is a value or a fault.
func ExampleClient_Multicall() {
	c, err := rpc.New("unix:///var/run/supervisor.sock")
	if err != nil {
		log.Fatal(err)
	}
	results, err := c.Multicall(context.Background(),
		rpc.MethodCall{Method: "supervisor.getProcessInfo", Params: []any{"web:web_00"}},
		rpc.MethodCall{Method: "supervisor.getProcessInfo", Params: []any{"web:web_01"}},
	)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		var info rpc.ProcessInfo
		if err := r.Decode(&info); err != nil {
			log.Print(err) // for example a *rpc.Fault matching rpc.ErrBadName
			continue
		}
		fmt.Fprintln(os.Stderr, info.Namespec(), info.State)
	}
}
