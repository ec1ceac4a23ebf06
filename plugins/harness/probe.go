package harness

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// The probe catches a listener that reads the header's len as a count of
// bytes: supervisord 4 counts characters. The probe's text is built so
// that such a listener, reading len bytes, stops exactly before a newline
// and leaves it and the rest unread: what it reads next as a header line
// is that empty line, before the harness sent anything. Whatever it does
// then (answer, write, die) happens while it is READY, which a correct
// listener never does; the lint names it.
//
// With k two-byte characters, then "\n" and k-1 ASCII bytes, the text has
// k more bytes than characters, and the last k bytes are "\n" and the
// tail.
const probeK = 8

// probeText is the non-ASCII text of the probe.
var probeText = "harness probe " + strings.Repeat("é", probeK) + "\n" + strings.Repeat("x", probeK-1)

// probeGrace is how long a probed listener is watched, READY, for what it
// does with the bytes it left unread.
const probeGrace = 300 * time.Millisecond

// probeWindow is where in the transcript a listener was probed.
type probeWindow struct {
	process    string
	serial     int64
	from, to   int
	chars, len int // the payload's length in characters and in bytes
}

// probeEvent returns an event carrying the probe's text that the pool
// subscribes to, if it subscribes to one that carries text.
func (s *session) probeEvent(pool string) (testharness.Event, bool) {
	var events []listener.EventType
	for _, p := range s.spec.Pools {
		if p.Name == pool {
			events = p.Events
		}
	}
	subscribed := func(t listener.EventType) bool {
		return slices.ContainsFunc(events, func(e listener.EventType) bool { return t.Is(e) })
	}
	switch {
	case subscribed(listener.RemoteCommunication):
		return testharness.NewRemoteCommunicationEvent("harness-probe", probeText), true
	case subscribed(listener.ProcessLogStdout), subscribed(listener.ProcessLogStderr),
		subscribed(listener.ProcessCommunicationStdout), subscribed(listener.ProcessCommunicationStderr):
		name, group, pid := "probe", "probe", 0
		for _, p := range s.supervisor().Processes() {
			if !s.isListener(p) {
				name, group, pid = p.Name(), p.Group(), p.PID()
				break
			}
		}
		switch {
		case subscribed(listener.ProcessLogStdout):
			return testharness.NewProcessLogEvent(testharness.Stdout, name, group, pid, []byte(probeText)), true
		case subscribed(listener.ProcessLogStderr):
			return testharness.NewProcessLogEvent(testharness.Stderr, name, group, pid, []byte(probeText)), true
		case subscribed(listener.ProcessCommunicationStdout):
			return testharness.NewProcessCommunicationEvent(testharness.Stdout, name, group, pid, []byte(probeText)), true
		}
		return testharness.NewProcessCommunicationEvent(testharness.Stderr, name, group, pid, []byte(probeText)), true
	}
	return testharness.Event{}, false
}

// probe [listener...]: send each listener (default all) an event with
// non-ASCII text and watch what it does with it.
func verbProbe(s *session, args []string) error {
	names := args
	if len(names) == 0 {
		names = s.listeners()
	}
	for _, name := range names {
		if err := s.probeOne(name); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) probeOne(name string) error {
	p, err := s.process(name)
	if err != nil {
		return err
	}
	if !s.isListener(p) {
		return fmt.Errorf("probe %s: it is a program; probe a listener", name)
	}
	ev, ok := s.probeEvent(p.Group())
	if !ok {
		// Nothing it receives carries text; len cannot be misread.
		return nil
	}
	if err := s.settle(); err != nil {
		return err
	}
	if p.State() != listener.StateRunning || p.ListenerState() != testharness.ListenerReady {
		return nil // it cannot take an event; the lint says why
	}
	sv := s.supervisor()
	from := sv.Transcript().Len()
	serial, _ := sv.Notify(ev)
	if err := s.settle(); err != nil {
		return err
	}
	time.Sleep(probeGrace)
	payload := ev.Payload
	s.mu.Lock()
	s.probes = append(s.probes, probeWindow{process: name, serial: serial, from: from, to: sv.Transcript().Len(),
		chars: utf8.RuneCountInString(payload), len: len(payload)})
	s.mu.Unlock()
	return nil
}
