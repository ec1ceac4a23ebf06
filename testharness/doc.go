// Package testharness emulates supervisord 4.2.x for tests: its event
// listener pools and their dispatcher, its process state machine, and its
// XML-RPC interface, inside the test process and without supervisord's
// one-second poll loop. It is for testing event listeners written in any
// language, and code that drives supervisord over XML-RPC.
//
//	s := testharness.Start(t, testharness.Config{
//		Pools: []testharness.Pool{{
//			Name:    "crashmail",
//			Events:  []listener.EventType{listener.ProcessStateExited},
//			Handler: myHandler, // or ProcessConfig{Command: []string{"./crashmail", "-a"}}
//		}},
//		Programs: []testharness.Program{{Name: "web"}}, // a virtual process
//	})
//	s.Process("web").Exit(1)   // RUNNING -> EXITED expected:0, then autorestart
//	if err := s.WaitIdle(ctx); err != nil { t.Fatal(err) }
//	for _, r := range s.Transcript().Results("crashmail") { ... }
//
// Start is for a Go test; New does the same without a testing.TB, for a
// program that drives the harness itself (Close it when done).
//
// # The map of the package
//
// What a test uses:
//
//	supervisor.go     Supervisor: Start, New, Close, Notify, Process, the accessors
//	config.go         Config, Group, Program, Pool: supervisord.conf's sections
//	processconfig.go  ProcessConfig, RunFunc, Autorestart, ExitCode: a process's settings
//	configerror.go    ConfigError: a configuration supervisord would refuse
//	iniconfig.go      ParseConfig: a real supervisord.conf into a Config, through supervisorconf
//	process.go        Process: a handle that inspects and drives one process
//	event.go          Event and its constructors (NewTickEvent, ...), Channel
//	processstatechange.go  ProcessStateChange: a PROCESS_STATE_* payload
//	listenerstate.go  ListenerState: READY, BUSY, ACKNOWLEDGED, UNKNOWN
//	transcript.go     Transcript, Delivery, Result: what happened, and the usual questions
//	record.go         Record, RecordKind: one entry of the transcript
//	wait.go           the Wait methods
//	tick.go           Tick, TickAt and the automatic TICK_* events
//	clock.go          Clock: real or fake time
//	env.go            LookupEnv: an in-process child's environment
//	rpcserver.go      the fake XML-RPC server: ServerURL, Client, HTTPClient
//	rpccall.go        RPCCall: one call the server received, and who made it
//
// How supervisord is emulated, after its own structure:
//
//	mainloop.go       supervisord's main loop (settle), shutdown and restart
//	mainlog.go        the main log, in supervisord's words
//	spec.go           the configuration resolved into groups and processes, with defaults
//	group.go          a process group, and how it stops
//	pool.go           an event listener pool: buffer, serials, dispatch, rebuffering
//	subprocess.go     supervisord's Subprocess: the process state graph
//	child.go          one spawn of a process: a real child, a RunFunc or virtual
//	stdinwriter.go    a child's stdin, which never blocks the harness
//	outputdispatcher.go  a child's output: logs, PROCESS_LOG, capture mode
//	logfile.go        a child's log file
//	exitstatus.go, spawnerror.go, signal.go  how processes end, fail to start, are signalled
//	call.go           running an operation under the lock, and answering later
//	fault.go          supervisord's faults, as *rpc.Fault
//	rpcmethod.go      the XML-RPC method table
//	rpcstatus.go, rpcprocess.go, rpclog.go, rpcsystem.go  its methods, by section of supervisord's API
//	rpcargs.go        parameters read as supervisord's Python reads them
//	peer_linux.go     who is calling: the socket's peer pid, and its parents
//
// Two parts are pure and have packages of their own, under internal/:
// protocol, the listener protocol state machine (supervisord's
// PEventListenerDispatcher), and xmlrpc, the wire codec.
//
// # What is emulated, exactly
//
// The listener side follows supervisord's code rather than its
// documentation, quirks included, so that a listener that works here works
// under supervisord:
//
//   - The listener state machine of supervisor/dispatchers.py: a spawn
//     starts ACKNOWLEDGED; READY needs the six bytes "READY\n" (split writes
//     are fine); any byte written while READY, or anything but READY in
//     ACKNOWLEDGED, is a protocol violation that leaves the listener UNKNOWN
//     until its process is restarted. The result line is parsed as
//     supervisord parses it: its first 7 bytes are not checked and the
//     length goes through Python's int(), so "RESULT 2\r\n" and "+0_2"
//     work; the body is counted in bytes; "RESULT 0\n" alone stalls until
//     the listener writes more; bytes after the body are read in
//     ACKNOWLEDGED, so "RESULT 2\nOKREADY\n" is legal and the classic
//     "RESULT 2\nOK\n" then "READY\n" is not. Only the exact body "OK"
//     acknowledges an event; anything else rejects it and it is sent again.
//   - Envelopes are byte-exact, with len counting Unicode code points as
//     supervisord 4 does, and serials assigned as supervisord assigns them:
//     a global serial when the first pool accepts an event (events nobody
//     subscribed to take none), a poolserial per pool.
//   - Pools dispatch one event at a time to the first RUNNING, READY
//     listener in configuration order; a listener still STARTING (within
//     StartSecs) gets nothing. A full buffer (BufferSize, default 10)
//     discards its oldest event. A rejected event, or one whose listener
//     died with it (its last output is read first), goes back to the head
//     of the buffer with the same serials. Overlapping subscriptions (TICK
//     and TICK_5) deliver an event twice.
//   - supervisord's cross-pool rebuffer bug: a rejected event is put back
//     into every pool whose processes have the rejecting process's
//     priority, subscribed to its type or not. Pools default to priority
//     -1, so by default a rejection in one pool reaches all of them; give
//     pools distinct priorities to avoid it, as with supervisord.
//   - The process state graph of supervisor/process.py: STARTING, RUNNING
//     after StartSecs, BACKOFF and FATAL after StartRetries, EXITED with
//     expected set from ExitCodes, autorestart, STOPPING and STOPPED with
//     SIGKILL after StopWaitSecs, ordered shutdown in reverse priority
//     order. Every change emits its PROCESS_STATE_* event with the payload
//     fields supervisord sends (see ProcessStateChange). Output becomes
//     PROCESS_LOG events when enabled, and capture mode cuts
//     PROCESS_COMMUNICATION events out of it.
//   - The XML-RPC server (Config.RPC) speaks supervisord's wire format on a
//     unix socket; its answers were compared byte for byte with a real
//     supervisord 4.2.5, faults and HTTP errors included. Children get
//     SUPERVISOR_ENABLED, SUPERVISOR_PROCESS_NAME, SUPERVISOR_GROUP_NAME and
//     SUPERVISOR_SERVER_URL, so supervisor.childutils and listener/rpc work
//     unchanged.
//
// # Processes
//
// A process runs a real child (ProcessConfig.Command: any program in any
// language, with real pids that /proc knows), an in-process function over
// real pipes (ProcessConfig.Run, or Pool.Handler to run a listener.Handler
// with listener.Serve), or nothing at all: a virtual process, which the
// test drives with Process.Exit and Process.Write. A virtual listener's
// stdout is the protocol, so Write(Stdout, ...) scripts it byte by byte.
//
// # Observing
//
// The Transcript records every byte sent to and read from each listener,
// every listener and process state change (a change to UNKNOWN with its
// cause), rebuffer, overflow, spawn and exit, and every XML-RPC call as it
// arrives, with its caller, with helpers for the usual assertions
// (Results, Deliveries, ListenerStates, WentUnknown, Overflows, Calls). The Wait methods block until a
// condition holds (WaitIdle: every notified event answered), bounded by
// Config.WaitTimeout so a broken listener fails the test rather than
// hanging it.
//
// # Time
//
// Nothing waits for supervisord's poll loop: events are dispatched as soon
// as a listener can take them, which makes the harness tens of times
// faster than supervisord (see BenchmarkDispatchMinimal). Clock injects
// time (FakeClock moves only when told); TICK events come from Tick and
// TickAt, from the clock (Config.ClockTicks) or, accelerated, every
// Config.TickEvery. StartSecs defaults to zero and BackoffUnit can be
// shortened so tests need no long sleeps.
//
// # Configuration
//
// Config mirrors supervisord.conf: Programs, Groups and Pools are its
// [program:x], [group:x] and [eventlistener:x] sections, with Go zero
// values meaning supervisord's defaults (see ProcessConfig for the few
// exceptions). ParseConfig reads a real supervisord.conf instead, [include]
// files, defaults and %(...)s expansions included, exactly as supervisord
// reads it (through golance's one configuration reader), so the
// configuration a project deploys can run unchanged in its tests.
//
// # Fidelity
//
// The package's own tests run the same scenarios through the harness and
// through a real supervisord 4.2.5 and compare the results: the events a
// recording listener receives (per process, pids normalised), what both
// log about a listener writing supervisord's protocol quirks, the
// cross-pool rebuffer bug, duplicate deliveries and buffer overflow, and
// the XML-RPC responses byte for byte.
//
// # Differences from supervisord
//
// Orders of events that supervisord leaves to timing (two processes
// exiting at once, a child's first output and its move to RUNNING) may
// differ. Elapsed-time comparisons use "at least" where supervisord uses
// "more than", which only matters with a FakeClock. restart rebuilds the
// groups from the configuration as supervisord does, and reloadConfig
// reports no changes, since the configuration cannot change. Not
// emulated: user=, umask=, log rotation and syslog, [fcgi-program:x],
// [include], and result handlers other than Pool.ResultHandler.
package testharness
