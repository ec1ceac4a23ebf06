// Package supervisord runs the real supervisord for integration tests.
//
// Start writes a configuration into the test's temporary directory (a
// generated base plus the caller's [program:x] and [eventlistener:x]
// sections), runs "supervisord -n -c" from PATH, waits until its XML-RPC
// socket reports RUNNING, and returns a handle with an *rpc.Client, the
// main log, and helpers that wait for log lines:
//
//	sv := supervisord.Start(t, supervisord.Config{Sections: `
//	[program:sleeper]
//	command=sleep 1000
//	`})
//	sv.WaitLog(t, `success: sleeper entered RUNNING state`)
//
// Teardown, registered with t.Cleanup, stops supervisord and every process
// it started. supervisord puts each child in its own process group, and a
// child's own children outlive it when it is killed, so killing
// supervisord's process group is not enough: the test process makes itself
// a child subreaper (Linux prctl PR_SET_CHILD_SUBREAPER), so that orphans
// are reparented to it rather than to init, and teardown tracks every
// descendant through /proc, kills whatever is left after supervisord has
// exited, and reaps it.
//
// Require skips a test when supervisord is not installed, or fails it when
// CI=true, with the command that installs it.
package supervisord
