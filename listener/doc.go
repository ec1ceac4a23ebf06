// Package listener implements the listener side of supervisord's event
// listener protocol, exactly as supervisord 4.2.x speaks it.
//
// A listener writes READY, reads one event (a header line and a payload of
// the length the header gives), and answers with a RESULT. Run does all of
// this for a binary started by an [eventlistener:x] section; Serve does it
// over any reader and writer, for tests and embedding. A Handler decides
// what each event means: returning nil acknowledges it (RESULT 2\nOK), an
// error rejects it (RESULT 4\nFAIL) so that supervisord delivers it again.
//
// Three places where supervisord's code differs from its documentation
// shape this package:
//
//   - The header's len field counts Unicode code points of the payload, not
//     bytes (supervisor issue #1243). Reader counts code points by default;
//     WithByteLengths switches to bytes for servers that count bytes.
//   - Any byte a listener writes to stdout that is not a protocol token puts
//     it in the UNKNOWN state, where it receives nothing until restarted.
//     Run therefore keeps a private copy of stdout for the protocol and
//     points file descriptor 1 at stderr.
//   - supervisord redelivers an event with the same serial in several
//     situations; Serve acknowledges a serial it has already handled without
//     calling the handler again.
//
// Run is built for the protocol's limit: `make bench` drives it against a
// C listener that makes one read and one write per event, and it answers
// at least 0.9x the C listener's events per second for at most 1.25x its
// CPU per event (serve.go's yieldEvery, rawpipe_unix.go and
// headertemplate.go say how; docs/listener.md has the figures).
//
// Protocol reference: http://supervisord.org/events.html#event-listener-notification-protocol
package listener
