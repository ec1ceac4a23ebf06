// Package proctable keeps supervisord's process table inside a listener
// without polling supervisord for it. memmon and httpok read it at every
// TICK, ordered-startup reacts to its changes, and the Prometheus exporter
// serves it at every scrape. supervisord is single-threaded, and while it
// builds a getAllProcessInfo answer it dispatches nothing and serves
// no one: about 20 ms with 100 processes, 170 ms with 500 and seconds with
// 1000, growing faster than the process count. A tick that finds nothing
// changed costs supervisord nothing here.
//
// # How the table follows supervisord
//
// Load reads every process once (getAllProcessInfo), and finds
// supervisord's children in /proc (see below). After that:
//
//   - A PROCESS_STATE_* event, when the listener is subscribed to them,
//     moves its process to the event's state and pid (Observe).
//   - PROCESS_GROUP_REMOVED drops the group's processes. A
//     PROCESS_GROUP_ADDED for a group the table does not have, or any event
//     about a process it does not have, makes it read every process.
//   - A TICK (Observe), or a Check from the caller's own timer, checks the
//     table against /proc: were children of supervisord forked or reaped
//     since the last Check, and which? Then it asks supervisord only about
//     what may have changed: the processes whose pid went, those STARTING
//     or BACKOFF (whose next state comes with no pid appearing or going),
//     and, when a child was reaped or a new one belongs to no process, the
//     processes without a pid. It asks in one round trip (getProcessInfo,
//     or a system.multicall of them, which supervisord answers in one turn
//     of its loop). It reads every process instead when more than half the
//     processes are concerned, when a new child still belongs to no
//     process (a group added), and when supervisord says a process is gone.
//   - A gap in the pool's serials means the pool's buffer overflowed and
//     events were lost: the next Check reads every process.
//   - Every Config.Refresh (DefaultRefresh, 10 minutes), a Check reads
//     every process anyway.
//
// # Answers and events
//
// supervisord's answers tell how things are when it answers; events tell
// a transition when it happens, and arrive later, in order, behind the
// events still in the pool's buffer. After an answer a process is ahead of
// its events: an event the answer already accounts for (one that neither
// leads to the answered state nor continues from it, or one about an older
// run of the process, by its pid) is stale and ignored rather than taking
// the process back in time. This matters most at start: the events of
// supervisord's own start are still queued when the listener loads the
// table.
//
// An event that does not continue from the state the table has (events
// were missed: a pool that overflowed, or a subscription to some
// PROCESS_STATE types only, or one sent to this pool by supervisord's
// rebuffering of another pool's rejected events) is applied, and the next
// Check asks supervisord about that process.
//
// # What is current when
//
// A Process holds what getProcessInfo says, less what supervisord works out
// again at every answer: now, statename, description, and logfile (an alias
// of stdout_logfile). The table equals supervisord's answer when, process
// by process and in getAllProcessInfo's order (by group, then name), the
// group, name, state, pid and both log paths are equal, and so are start,
// stop, exitstatus and spawnerr for every process whose Detailed is set.
// One exception: in STARTING, PID is 0 until the table learns it, since the
// STARTING event carries no pid.
//
//   - After Load, and after any Check or Observe that read every process,
//     the table is that answer.
//   - After Observe of a PROCESS_STATE event, the process has the event's
//     state (unless an answer told a later one), and its pid for RUNNING
//     and STOPPING, 0 for STOPPED, EXITED, BACKOFF and FATAL, 0 until told
//     for STARTING, the one it had for UNKNOWN. Its details (Start, Stop,
//     ExitStatus, SpawnErr) stay Detailed across the transitions that keep
//     them in supervisord (STARTING to RUNNING, to STOPPING, BACKOFF to
//     FATAL or STOPPED, to UNKNOWN) and are zero, not Detailed, after the
//     others, until Detail fetches them.
//   - A listener subscribed to PROCESS_STATE and PROCESS_GROUP, whose pool
//     loses no events, has a table equal to supervisord's once it has
//     applied the events sent so far.
//   - After a Check, when /proc can be used, every process is as
//     supervisord had it at some moment during the Check, except after
//     changes that neither fork nor reap a child of supervisord nor leave
//     STARTING or BACKOFF. When only ticks arrive (a superlance command line
//     with events=TICK_60), those show at the periodic refresh and not
//     before: a group added with no autostart process; a group removed when
//     its processes had already stopped (with a process running, the stop
//     before the removal shows it); a process going UNKNOWN; a process whose
//     spawns fail before forking (its command gone, no file descriptors
//     left) and that goes through BACKOFF to FATAL without a child. Events
//     tell all of these.
//   - Detail adds to the table's process the details supervisord keeps
//     (Start, Stop, ExitStatus, SpawnErr), asking supervisord about that
//     process alone when the table has none for the process's current
//     state; what the answer shows is applied to the table.
//   - Processes and Process return copies, safe to keep; Changes are
//     returned by Observe and Check in the order the table made them, each
//     with the process before and after, and whether an event told it.
//
// A Table is safe for concurrent use: Load, Observe, Check and Detail,
// which may call supervisord, run one at a time, while Processes, Process
// and Stats never wait for supervisord. Pass Observe every event the
// listener receives, so that gaps in the pool's serials are seen. Events
// are followed assuming the pool has one listener (numprocs=1): the
// listeners of a larger pool each see a share of the events, which the
// table takes for gaps.
//
// # Following supervisord's children in /proc
//
// supervisord's pid comes from getPID, and is trusted when it is this
// process's parent or another ancestor, or this process itself (the
// harness); otherwise, as on systems without Linux's /proc, every Check
// reads every process, as the plugins did before this package, and the
// table says so once in its log.
//
// A child is a pid and a start time (from /proc/<pid>/stat), so that a pid
// reused by a new child counts as one child gone and one born. A Check
// first reads three small files: the last pid allocated in this pid
// namespace (the last field of /proc/loadavg, which with the fork count
// below makes the procfile.ForkClock that procmem reads too), supervisord's counters
// that the kernel adds a child's to when supervisord reaps it (cminflt,
// cmajflt, cutime and cstime in /proc/<pid>/stat), and the machine's fork
// count (/proc/stat). Pids are allocated cyclically: an unchanged last pid
// means nothing was forked, and unchanged counters that supervisord reaped
// nothing, so the children are the same and the Check is over, in O(1).
// Otherwise the children are listed, from /proc/<pid>/task/<tid>/children
// (CONFIG_PROC_CHILDREN, read to the end: the kernel hands out a page per
// read), or by a scan of /proc when the kernel lacks those files or
// supervisord has many threads (the harness does). Only the pids allocated
// since the last Check, from the old last pid to the new one, can be new
// children or reused ones, and only theirs are read, unless the fork count
// shows that allocation may have gone round the whole pid space, when all
// are. This rests on two things no supervisord setup changes: no one sets
// pids by hand (clone3 with set_tid, or writing ns_last_pid, as
// checkpoint/restore tools do), and supervisord waits for its children
// rather than ignoring SIGCHLD.
//
// A child reaped with no known pid gone lived and died between two Checks,
// too briefly to be seen: a process that started and failed, or a crash
// loop. Its process now has no pid, which is why a reap makes a Check ask
// about the processes without one. An orphan that supervisord adopts as
// pid 1 of a container counts as a reap too, at the price of one such
// question.
//
// A quiet Check costs tens of microseconds whatever the number of
// processes; one after a fork elsewhere on the machine, which lists
// supervisord's children, about a hundred microseconds with 100 processes
// and a few hundred with 1000 (BenchmarkCheck), and neither calls
// supervisord.
//
// # Signals considered and not used
//
// The size of supervisord's main log, which grows with every state change
// at loglevel=info, would catch what no pid shows; but at loglevel=debug it
// grows at every event dispatched, this listener's own ticks included, at
// warn and above it shows no state change at all, in containers it is
// often /dev/stdout, which has no size, and finding it needs supervisord's
// configuration or its file descriptors. The processes' environments
// (SUPERVISOR_PROCESS_NAME) would name a new child without asking
// supervisord, but they can be read only with the same user as the child,
// and say nothing between fork and exec. Pidfds would tell exits without
// reading /proc, but cost a descriptor per process and still need the
// children listed to see spawns; the O(1) test above already settles a
// quiet tick.
//
// # Files
//
//	table.go          Table, Config, New: Load, Observe, Process(es), Detail
//	check.go          Check, what a tick does; refreshes; applying answers
//	entry.go          entry: one process, and the rules of answers and events
//	process.go        Process: what the table says of one process
//	change.go         Change
//	stats.go          Stats
//	supervisor.go     Supervisor: the XML-RPC calls the table makes
//	watcher_linux.go  watcher: supervisord's children in /proc (its O(1) test: procfile.ForkClock)
package proctable
