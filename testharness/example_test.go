package testharness_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness"
)

// A listener.Handler served in-process over real pipes, receiving the
// PROCESS_STATE_EXITED event of a virtual program that crashes.
func Example() {
	s, err := testharness.New(testharness.Config{
		Pools: []testharness.Pool{{
			Name:   "crashwatch",
			Events: []listener.EventType{listener.ProcessStateExited},
			Handler: listener.HandlerFunc(func(_ context.Context, ev listener.Event) error {
				st, err := ev.ProcessState()
				if err != nil {
					return err
				}
				fmt.Printf("%s exited, expected=%t\n", st.Namespec(), st.Expected)
				return nil
			}),
		}},
		Programs: []testharness.Program{{Name: "web", ProcessConfig: testharness.ProcessConfig{Autorestart: testharness.RestartNever}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if err := s.Process("web").Exit(1); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		log.Fatal(err)
	}
	for _, r := range s.Transcript().Results("crashwatch") {
		fmt.Printf("serial %d %s answered %q\n", r.Serial, r.EventName, r.Body)
	}
	// Output:
	// web exited, expected=false
	// serial 0 PROCESS_STATE_EXITED answered "OK"
}

// A virtual listener is scripted byte by byte. Here it makes the classic
// shell-listener mistake: echo adds a newline after OK, which supervisord
// reads as garbage before READY.
func Example_scriptedListener() {
	s, err := testharness.New(testharness.Config{
		Pools: []testharness.Pool{{Name: "sh", Events: []listener.EventType{listener.RemoteCommunication}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	sh := s.Process("sh")

	sh.Write(testharness.Stdout, []byte("READY\n"))
	s.Notify(testharness.NewRemoteCommunicationEvent("note", "hello"))
	fmt.Printf("%q\n", sh.Stdin())
	sh.Write(testharness.Stdout, []byte("RESULT 2\nOK\n"))
	sh.Write(testharness.Stdout, []byte("READY\n"))

	fmt.Println(s.Transcript().ListenerStates("sh"))
	// Output:
	// "ver:3.0 server:supervisor serial:0 pool:sh poolserial:0 eventname:REMOTE_COMMUNICATION len:15\ntype:note\nhello"
	// [ACKNOWLEDGED READY BUSY ACKNOWLEDGED UNKNOWN]
}

// Rejections are redelivered with the same serial until the listener
// accepts them.
func ExampleTranscript_Results() {
	s, err := testharness.New(testharness.Config{
		Pools: []testharness.Pool{{Name: "p", Events: []listener.EventType{listener.Tick5}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	p := s.Process("p")
	p.Write(testharness.Stdout, []byte("READY\n"))
	s.TickAt(s.Clock().Now().Add(5 * time.Second))
	p.Write(testharness.Stdout, []byte("RESULT 4\nFAILREADY\n"))
	p.Write(testharness.Stdout, []byte("RESULT 2\nOKREADY\n"))

	for _, r := range s.Transcript().Results("p") {
		fmt.Println(r.EventName, r.Serial, r.PoolSerial, r.Body, r.OK)
	}
	// Output:
	// TICK_5 0 0 FAIL false
	// TICK_5 0 0 OK true
}

// The fake XML-RPC server answers the project's own client (and Python's
// xmlrpc.client, and anything else that speaks supervisord's XML-RPC).
func ExampleSupervisor_Client() {
	s, err := testharness.New(testharness.Config{
		RPC:      true,
		Programs: []testharness.Program{{Name: "worker", ProcessConfig: testharness.ProcessConfig{NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)d"}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	c := s.Client()
	if err := c.StopProcess(ctx, "worker:worker_1", true); err != nil {
		log.Fatal(err)
	}
	infos, err := c.GetAllProcessInfo(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, in := range infos {
		fmt.Println(in.Namespec(), in.StateName)
	}
	// Output:
	// worker:worker_0 RUNNING
	// worker:worker_1 STOPPED
}

// A FakeClock makes startsecs deterministic: the listener is READY but
// receives nothing until it has been up for StartSecs.
func ExampleFakeClock() {
	clock := testharness.NewFakeClock(time.Unix(1_800_000_000, 0))
	s, err := testharness.New(testharness.Config{
		Clock: clock,
		Pools: []testharness.Pool{{Name: "p", Events: []listener.EventType{listener.RemoteCommunication},
			ProcessConfig: testharness.ProcessConfig{StartSecs: 3 * time.Second}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	p := s.Process("p")
	p.Write(testharness.Stdout, []byte("READY\n"))
	s.Notify(testharness.NewRemoteCommunicationEvent("t", "waiting"))
	fmt.Println(p.State(), len(p.Stdin()))

	clock.Advance(3 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx, "p", 1); err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.State(), p.ListenerState())
	// Output:
	// STARTING 0
	// RUNNING BUSY
}

// A handler that calls supervisord back, as crashmail asks for a crashed
// process's exit status and logs: with RPC set the harness serves
// supervisord's XML-RPC interface, and LookupEnv gives the handler the
// SUPERVISOR_SERVER_URL a real child would find in its environment. A
// handler written against os.LookupEnv takes the lookup function as a
// parameter, as rpc.FromEnvLookup does.
func Example_callingSupervisordBack() {
	s, err := testharness.New(testharness.Config{
		RPC: true,
		Pools: []testharness.Pool{{
			Name:   "crashinfo",
			Events: []listener.EventType{listener.ProcessStateExited},
			Handler: listener.HandlerFunc(func(ctx context.Context, ev listener.Event) error {
				st, err := ev.ProcessState()
				if err != nil {
					return err
				}
				c, err := rpc.FromEnvLookup(testharness.LookupEnv(ctx))
				if err != nil {
					return err
				}
				info, err := c.GetProcessInfo(ctx, st.Namespec())
				if err != nil {
					return err
				}
				fmt.Printf("%s exited with status %d; supervisord says %s\n", st.Namespec(), info.ExitStatus, info.StateName)
				return nil
			}),
		}},
		Programs: []testharness.Program{{Name: "web", ProcessConfig: testharness.ProcessConfig{Autorestart: testharness.RestartNever}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if err := s.Process("web").Exit(3); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// web exited with status 3; supervisord says EXITED
}

// Driving a program to FATAL, as fatalmailbatch must see it: a virtual
// program that exits before its startsecs is in BACKOFF, and supervisord
// gives up (FATAL) once startretries are spent; with no retries the first
// early exit does it.
func Example_fatal() {
	s, err := testharness.New(testharness.Config{
		Pools: []testharness.Pool{{
			Name:   "fatalwatch",
			Events: []listener.EventType{listener.ProcessStateBackoff, listener.ProcessStateFatal},
			Handler: listener.HandlerFunc(func(_ context.Context, ev listener.Event) error {
				st, err := ev.ProcessState()
				if err != nil {
					return err
				}
				fmt.Printf("%s: %s -> %s\n", st.Namespec(), st.FromState, st.State)
				return nil
			}),
		}},
		Programs: []testharness.Program{{Name: "job", ProcessConfig: testharness.ProcessConfig{
			StartSecs:    10 * time.Second, // still STARTING when it exits
			StartRetries: -1,               // startretries=0
		}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if err := s.Process("job").Exit(1); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Process("job").State())
	// Output:
	// job: STARTING -> BACKOFF
	// job: BACKOFF -> FATAL
	// FATAL
}
