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
// next (up to DefaultMaxOpenFiles, three per process for a tree). While no
// process or thread is created in the pid namespace between two snapshots
// (procfile.ForkClock, the test proctable's watcher makes), a tree
// snapshot reuses the children lists it read: a process gains a child
// only by a fork, and loses one only by an exit, which the member's statm
// shows (ESRCH, or a zombie's all-zero statm), and then the lists are read
// anew. On a kernel without children lists (CONFIG_PROC_CHILDREN), a
// cumulative snapshot reads every process's stat instead, once, and builds
// the tree from their parents. PSS and USS come from
// /proc/<pid>/smaps_rollup through github.com/prometheus/procfs.
//
// Measured with memmon's tick (memmon's BenchmarkTickOwn, under the real
// supervisord, on the project's 2-core machines at a load of 2 to 5):
// RSS with descendants costs 1.1-1.4 ms over 500 processes back to back
// and 3.7-4.2 ms with the caches cold, as ticks 5 s apart find them, 3.1
// ms in a pid namespace of its own where the lists are reused; 3.3 and
// 7.9 ms over 1000 (it was 7.7 and 18.4 ms while 2048 files were kept).
// Cold, the kernel producing statm costs 3-5 µs a process (1.3 µs hot:
// Linux 6.x sums the per-CPU counters under a lock), the task directory
// and the children list 2-3 µs more. Reading every process's stat cost
// the cumulative tick 1.4 ms with 200 processes on an otherwise idle
// machine, and grew with every process the machine ran.
//
// RSS counts every page a process maps, shared ones included, so the RSS of
// twenty forked workers sharing one code segment adds that segment twenty
// times. PSS divides each shared page among the processes sharing it and USS
// counts only the pages no other process maps: both add up correctly over a
// process tree, at the price of reading smaps_rollup, which costs the kernel
// a walk of the process's page tables.
package procmem
