package proctable

// Stats counts what a Table did, for tests, benchmarks and an exporter's
// own metrics.
type Stats struct {
	// Checks counts Check calls (and ticks Observe checked on); Quiet
	// those that /proc settled in O(1): nothing was forked and nothing
	// reaped since the previous one.
	Checks, Quiet uint64
	// Calls counts round trips to supervisord: getAllProcessInfo,
	// getProcessInfo, system.multicall and getPID calls.
	Calls uint64
	// Refreshes counts getAllProcessInfo calls; ProcessInfos the processes
	// asked about one by one, alone or in a multicall.
	Refreshes, ProcessInfos uint64
	// Events counts PROCESS_STATE events applied; Stale those ignored as
	// older than supervisord's last answer; Gaps the holes seen in the
	// pool's serials, where events were lost to a full buffer.
	Events, Stale, Gaps uint64
}
