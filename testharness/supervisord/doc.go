// Package supervisord runs the real supervisord, for integration tests and
// for anything else that needs one for a while and nothing left behind
// afterwards (make demo).
//
// New writes a configuration into a directory (a generated base plus the
// caller's [program:x], [eventlistener:x] and [group:x] sections), runs
// "supervisord -n -c" on it, waits until its XML-RPC socket reports
// RUNNING, and returns a handle with an *rpc.Client and the paths of the
// configuration, the main log and the socket. Stop ends it. Start is New
// for a test: it uses t.TempDir(), skips or fails the test when
// supervisord is missing (see Require), registers Stop with t.Cleanup, and
// adds helpers that wait for log lines:
//
//	sv := supervisord.Start(t, supervisord.Config{Sections: `
//	[program:sleeper]
//	command=sleep 1000
//	`})
//	sv.WaitLog(t, `success: sleeper entered RUNNING state`)
//
// Stop leaves nothing behind. supervisord puts each child in its own
// process group, and a child's own children outlive it when it is killed,
// so killing supervisord's process group is not enough: New makes the
// calling process a child subreaper (Linux prctl PR_SET_CHILD_SUBREAPER),
// so that orphans are reparented to it rather than to init, and Stop
// tracks every descendant through /proc, kills whatever is left after
// supervisord has exited, and reaps it (Swept counts them). If the calling
// process dies first, supervisord gets SIGTERM (Pdeathsig) and stops its
// children itself.
//
// The map of the package:
//
//	supervisord.go  Supervisord: New, Stop, Kill, Wait, Swept, Env, Output
//	config.go       Config: the generated configuration and the timeouts
//	lookup.go       Lookup: the supervisord in PATH, checked to run
//	log.go          the main log: Log, LogSize, WaitFile
//	testing.go      what needs a testing.TB: Start, Require, WaitLog, ChildLogs
//	reap_linux.go   the subreaper and the /proc sweep (reap_other.go: neither)
package supervisord
