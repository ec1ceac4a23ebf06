package listener_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/golance/golance/listener"
)

// Two events as supervisord 4.2.5 writes them. The header's len counts
// characters: "héllo wörld\n" is 12 characters and 14 bytes.
const stream = "ver:3.0 server:supervisor serial:12 pool:demo poolserial:0 eventname:PROCESS_STATE_EXITED len:69\n" +
	"processname:die groupname:die from_state:RUNNING expected:0 pid:11642" +
	"ver:3.0 server:supervisor serial:13 pool:demo poolserial:1 eventname:PROCESS_LOG_STDOUT len:73\n" +
	"processname:talker groupname:talker pid:11644 channel:stdout\nhéllo wörld\n"

// Serve drives a handler over any reader and writer; Run does the same on
// stdin and stdout for a binary started by supervisord.
func ExampleServe() {
	h := listener.HandlerFunc(func(ctx context.Context, ev listener.Event) error {
		switch ev.EventName {
		case listener.ProcessStateExited:
			p, err := ev.ProcessState()
			if err != nil {
				return err // rejected: supervisord will deliver it again
			}
			fmt.Printf("serial %d: %s exited, expected=%v, pid %d\n", ev.Serial, p.Namespec(), p.Expected, p.PID)
		case listener.ProcessLogStdout:
			l, err := ev.ProcessLog()
			if err != nil {
				return err
			}
			fmt.Printf("serial %d: %s wrote %q\n", ev.Serial, l.Namespec(), l.Data)
		}
		return nil
	})
	var protocol strings.Builder
	if err := listener.Serve(context.Background(), strings.NewReader(stream), &protocol, h); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%q\n", protocol.String())
	// Output:
	// serial 12: die exited, expected=false, pid 11642
	// serial 13: talker wrote "héllo wörld\n"
	// "READY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n"
}

// A Mux routes events by type; a handler for a base type receives its
// subtypes, and the most specific registration wins.
func ExampleMux() {
	mux := listener.NewMux()
	mux.HandleFunc(listener.ProcessState, func(ctx context.Context, ev listener.Event) error {
		fmt.Println("some state change:", ev.EventName)
		return nil
	})
	mux.HandleFunc(listener.ProcessLog, func(ctx context.Context, ev listener.Event) error {
		fmt.Println("log text:", strings.TrimSpace(ev.Data()))
		return nil
	})
	quiet := listener.WithLogger(slog.New(slog.DiscardHandler))
	listener.Serve(context.Background(), strings.NewReader(stream), new(strings.Builder), mux, quiet)
	// Output:
	// some state change: PROCESS_STATE_EXITED
	// log text: héllo wörld
}

// A handler's error rejects the event (RESULT 4\nFAIL), and supervisord
// delivers it again; the listener carries on with the next one.
func ExampleHandlerFunc_reject() {
	h := listener.HandlerFunc(func(ctx context.Context, ev listener.Event) error {
		if ev.Serial == 12 {
			return fmt.Errorf("mail server unreachable")
		}
		return nil
	})
	var protocol strings.Builder
	quiet := listener.WithLogger(slog.New(slog.DiscardHandler))
	listener.Serve(context.Background(), strings.NewReader(stream), &protocol, h, quiet)
	fmt.Printf("%q\n", protocol.String())
	// Output:
	// "READY\nRESULT 4\nFAILREADY\nRESULT 2\nOKREADY\n"
}

// Matcher understands the names operators write after -p: plain names,
// group:name, group:* and numprocs names.
func ExampleMatcher() {
	m, err := listener.NewMatcher([]string{"web", "tools:sed"}, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range [][2]string{{"web", "web_00"}, {"web", "web_01"}, {"tools", "sed"}, {"tools", "grep"}, {"db", "db"}} {
		fmt.Printf("%-12s %v\n", listener.Namespec(p[0], p[1]), m.Match(p[0], p[1]))
	}
	_, err = listener.NewMatcher([]string{"a:b:c"}, false)
	fmt.Println(err)
	// Output:
	// web:web_00   true
	// web:web_01   true
	// tools:sed    true
	// tools:grep   false
	// db           false
	// bad process name "a:b:c": more than one ':' (write name, group:name or group:*)
}

// Reader is the protocol's reading half on its own, for programs that
// drive the conversation themselves.
func ExampleReader() {
	r := listener.NewReader(strings.NewReader(stream))
	for {
		ev, err := r.ReadEvent()
		if err != nil {
			break // io.EOF at the end of the stream
		}
		fmt.Println(ev.Header.String())
	}
	w := listener.NewWriter(os.Stdout)
	w.OK()
	// Output:
	// ver:3.0 server:supervisor serial:12 pool:demo poolserial:0 eventname:PROCESS_STATE_EXITED len:69
	// ver:3.0 server:supervisor serial:13 pool:demo poolserial:1 eventname:PROCESS_LOG_STDOUT len:73
	// RESULT 2
	// OK
}
