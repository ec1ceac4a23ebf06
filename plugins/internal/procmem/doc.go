// Package procmem measures the memory of processes from Linux's /proc, the
// way memmon needs it: the resident set (RSS), the proportional (PSS) or the
// unique (USS) set size of one process, or of a process and all its
// descendants, for hundreds of processes per tick without running any
// program.
//
// A Reader takes a Snapshot once per tick, and reads only the processes it
// is asked about: their statm, and for a cumulative measure their
// descendants, found from the kernel's children lists
// (/proc/<pid>/task/<tid>/children, one per thread; the threads counted by
// the links of /proc/<pid>/task), so that a tick costs the same whatever
// else runs on the machine. The files stay open from one snapshot to the
// next. On a kernel without children lists (CONFIG_PROC_CHILDREN), a
// cumulative snapshot reads every process's stat instead, once, and builds
// the tree from their parents. PSS and USS come from
// /proc/<pid>/smaps_rollup through github.com/prometheus/procfs.
//
// Measured (BenchmarkTick, 200 processes, on the project's 2-core
// machines): 0.4-0.5 ms a tick for RSS, 0.7-1.1 ms with descendants, nearly
// all of it the kernel producing statm (1.3 µs a process), the task
// directory's fstat and the children list; reading every process's stat
// cost the cumulative tick 1.4 ms with 200 processes on an otherwise idle
// machine, and grew with every process the machine ran.
//
// RSS counts every page a process maps, shared ones included, so the RSS of
// twenty forked workers sharing one code segment adds that segment twenty
// times. PSS divides each shared page among the processes sharing it and USS
// counts only the pages no other process maps: both add up correctly over a
// process tree, at the price of reading smaps_rollup, which costs the kernel
// a walk of the process's page tables.
package procmem
