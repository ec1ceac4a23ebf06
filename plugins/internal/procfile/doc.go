// Package procfile reads Linux's /proc for the plugins that look at
// processes at every tick or sample (proctable, procmem, the exporter's
// sampler) without allocating: a Dir opened once, whole files read into
// one reused buffer, and the fields of /proc/<pid>/stat and statm parsed
// where they lie.
//
// prometheus/procfs, the tree's /proc library, builds a string for every
// path and parses all 52 fields of a stat line with fmt.Fscan, about 12 µs
// per process here: more than the read itself, paid for every process at
// every tick. procmem still reads smaps_rollup through it, which is read
// only for PSS and USS and costs the kernel far more than the parsing.
//
//	dir.go     Dir: the files of a proc filesystem, read whole (Pread, PreadAll)
//	pread64.go the raw pread those reads make
//	stat.go    Stat, ParseStat and ParseStatm: the fields the plugins need
//	uint.go    ParseUint, the decimal numbers of /proc files
//	machine.go ParseBootTime: the machine's counters in /proc/stat
//	status.go  ParseTgid: a task's process, from its status
//	pids.go    ParsePIDs and Dir.ReadPIDs: children lists, processes, threads
//	forks.go   ForkClock: was any process or thread created since? in O(1)
package procfile
