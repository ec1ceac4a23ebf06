package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"golang.org/x/sys/unix"
)

// connect returns a dispatcher and the listener's ends of its pipes.
func connect(t *testing.T) (*dispatcher, *os.File, *os.File) {
	t.Helper()
	var events, answers [2]int
	if err := unix.Pipe2(events[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := unix.Pipe2(answers[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	in, out := os.NewFile(uintptr(events[0]), "events"), os.NewFile(uintptr(answers[1]), "answers")
	t.Cleanup(func() {
		in.Close()
		out.Close()
		unix.Close(events[1])
		unix.Close(answers[0])
	})
	return newDispatcher(events[1], answers[0]), in, out
}

func TestDispatcherDrivesTheSDK(t *testing.T) {
	d, in, out := connect(t)
	var got []listener.Event
	h := listener.HandlerFunc(func(_ context.Context, ev listener.Event) error {
		got = append(got, ev)
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- listener.Serve(context.Background(), in, out, h) }()

	log := "processname:web groupname:web pid:1 channel:stdout\n" + strings.Repeat("é€🙂a", 50)
	env := newEnvelope("supervisor", "bench", "PROCESS_LOG_STDOUT", log)
	if err := d.ready(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := d.deliver(env); err != nil {
			t.Fatal(err)
		}
	}
	unix.Close(d.events)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Serial != 3 || got[2].PoolSerial != 3 || got[2].Payload != log {
		t.Fatalf("the SDK received %+v", got)
	}
}

// TestDispatcherChecksAnswersAsSupervisord: each script is what a
// listener writes; supervisord takes the good ones and puts the listener
// in UNKNOWN, or rejects the event, for the others.
func TestDispatcherChecksAnswersAsSupervisord(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string // after the first READY, in separate writes
		err    string   // "" for a good answer
	}{
		{"one write", []string{"RESULT 2\nOKREADY\n"}, ""},
		{"as childutils writes", []string{"RESULT 2\nOK", "READY\n"}, ""},
		{"split everywhere", []string{"RES", "ULT 2", "\nO", "KREA", "DY\n"}, ""},
		{"rejected", []string{"RESULT 4\nFAILREADY\n"}, `rejected the event with "FAIL"`},
		{"echo's newline", []string{"RESULT 2\nOK\nREADY\n"}, "where READY belongs"},
		{"not a result", []string{"hello\n"}, "does not start with"},
		{"bad length", []string{"RESULT x\nOK"}, "bad result line"},
		{"READY twice", []string{"RESULT 2\nOKREADY\nREADY\n"}, "after READY"},
		{"exits", nil, "closed its stdout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, in, out := connect(t)
			go func() {
				out.WriteString("READY\n")
				buf := make([]byte, 4096)
				in.Read(buf) // the envelope
				for _, w := range tc.writes {
					out.WriteString(w)
				}
				if tc.writes == nil {
					out.Close()
				}
			}()
			if err := d.ready(); err != nil {
				t.Fatal(err)
			}
			err := d.deliver(newEnvelope("supervisor", "bench", "TICK_5", "when:1"))
			switch {
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v, want an error saying %q", err, tc.err)
			}
		})
	}
}

func TestDispatcherRefusesGarbageBeforeReady(t *testing.T) {
	d, _, out := connect(t)
	go io.WriteString(out, "hello world\nREADY\n")
	if err := d.ready(); err == nil || !strings.Contains(err.Error(), "where READY belongs") {
		t.Fatalf("got %v", err)
	}
}

func TestInstantListener(t *testing.T) {
	env := newEnvelope("supervisor", "bench", "TICK_5", "when:1795239755")
	cost, err := measureInstant(workload{"tick", env}, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if cost <= 0 || cost > time.Millisecond {
		t.Fatalf("%v per event", cost)
	}
}
