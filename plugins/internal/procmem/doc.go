// Package procmem measures the memory of processes from Linux's /proc, the
// way memmon needs it: the resident set (RSS), the proportional (PSS) or the
// unique (USS) set size of one process, or of a process and all its
// descendants, for hundreds of processes per tick without running any
// program.
//
// A Reader takes a Snapshot once per tick. For a cumulative measure the
// snapshot reads /proc/<pid>/stat of every process once and builds the
// process tree from it, so that the cost of a tick is one pass over /proc
// however many supervised processes share it. PSS and USS come from
// /proc/<pid>/smaps_rollup through github.com/prometheus/procfs.
//
// RSS counts every page a process maps, shared ones included, so the RSS of
// twenty forked workers sharing one code segment adds that segment twenty
// times. PSS divides each shared page among the processes sharing it and USS
// counts only the pages no other process maps: both add up correctly over a
// process tree, at the price of reading smaps_rollup, which costs the kernel
// a walk of the process's page tables.
package procmem
