// Package restart restarts supervisord processes on behalf of the
// auto-restarting plugins (memmon, httpok) without holding up their event
// loop, and keeps them from flapping.
//
// A plugin handles a TICK, decides that some processes need a restart and
// hands each to a Restarter. Restart returns at once, so the TICK is
// acknowledged and supervisord's event buffer keeps draining while a slow
// process takes its stopwaitsecs to stop (superlance #41, #55). The stop and
// the start run in the background, at most one per process at a time, and
// their Outcome goes to the request's callback for logging and mail.
//
// Flap control comes in two parts, both configured by a Policy:
//
//   - Streaks counts failed checks in a row, so that a plugin acts only
//     after Policy.Consecutive of them (one slow health check or one
//     momentary memory peak is not a reason to restart);
//   - the Restarter keeps a restart budget per process: at most
//     Policy.MaxRestarts restarts in any Policy.Window. Past it, Restart
//     refuses with a *BudgetError and the plugin reports instead of acting.
//
// Stopping a process that has already stopped (NOT_RUNNING) and starting one
// supervisord has already started again (ALREADY_STARTED) are not failures:
// the process exited or was restarted between the check and the restart,
// and either way it ends up running.
package restart
