package cli

import (
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

// ownProcess says that the process runs this one command, as a binary
// does (Main): the runtime's settings are then the command's to choose
// (tuneRuntime, trimAfterGC). A command that tests run in-process leaves
// the test binary's runtime as it is.
var ownProcess bool

// settle readies a listener's process to serve with the least resident
// memory: the runtime tuned for one listener (tuneRuntime), start-up's
// memory given back (trimResident), and the same again after the
// collections to come (trimAfterGC). Measured idle under supervisord
// 4.2.5, once the runtime has collected twice (internal/testkit/resident,
// static builds): memmon 10.2-10.5 -> 5.7-6.8 MiB, httpok 9.0-9.2 ->
// 7.0-7.8, supervisord_exporter 10.6-11.4 -> 8.2-8.9, crashmail 7.3-7.5
// -> 4.0-4.2, the other listeners 5.2-7.8 -> 3.6-5.9. Most of what is
// left is the code and the function tables that each event touches again
// (the kernel maps 64 KiB around each page touched), and 1.5-3.6 MiB of
// anonymous memory: the heap's spans, the stacks, the runtime's own.
func settle() {
	if ownProcess {
		tuneRuntime()
	}
	trimResident()
	if ownProcess {
		trimAfterGC(time.Now())
	}
}

// tuneRuntime sets the Go runtime for a process that serves one
// listener, unless the environment sets it (GOMAXPROCS, GOGC, which the
// runtime reads itself):
//
//   - One P (GOMAXPROCS=1). A listener handles one event at a time and
//     waits on pipes and sockets the rest; every P keeps its own cache of
//     heap spans and its own collector worker, which an idle listener
//     holds for nothing: 0.2-0.4 MiB each.
//   - GOGC=50. The heap grows to 2 MiB between collections instead of 4:
//     httpok checking a server that fails at every tick holds 3.8 MiB of
//     anonymous memory after a few minutes instead of 5.8. A listener's
//     heap is small, so collecting it twice as often costs little.
func tuneRuntime() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

// trimResident gives back the memory that the process holds and no
// longer uses: the heap's garbage and free pages (debug.FreeOSMemory
// collects and returns them to the system) and the pages of the
// executable (dropExecutable). Before serving, that is what package
// initialisation, cobra and the handler's constructor touched: memmon
// 12.2 -> 8.9 MiB, crashmail 9.3 -> 5.3, ordered-startup 11.2 -> 5.9,
// measured idle under supervisord 4.2.5 after three TICK_5.
func trimResident() {
	debug.FreeOSMemory()
	dropExecutable()
}

// trimInterval is the least time between two trims after collections.
// An idle listener is collected every two minutes (the runtime forces
// it), and each of those collections is followed by a trim; a busy one,
// collected several times a minute, is trimmed once a minute, not at
// every collection, so that it does not fault the same pages in again
// and again (a few hundred minor faults each time, under a millisecond).
const trimInterval = time.Minute

// trimAfterGC trims again (trimResident) after garbage collections, at
// most once every trimInterval. A collection walks every goroutine's
// stack, and so touches the runtime's collector code and the function
// tables (pclntab) of every frame on those stacks, and it leaves the
// heap's freed pages to a scavenger that returns them slowly: memory no
// event needs, which would otherwise stay resident until the process
// ends. After the first such collection, crashmail held 7.4-7.7 MiB
// instead of 5.8. The pages that events use come back at the next event.
// last is when the previous trim was.
//
// The runtime tells that a collection has run by running the cleanup of
// an object that became unreachable (runtime.AddCleanup): each call arms
// one such object, and its cleanup arms the next. The collection that
// trimResident forces arms one too, which the interval lets pass.
func trimAfterGC(last time.Time) {
	runtime.AddCleanup(new(gcSentinel), func(last time.Time) {
		if now := time.Now(); now.Sub(last) >= trimInterval {
			trimResident()
			last = now
		}
		trimAfterGC(last)
	}, last)
}

// A gcSentinel is the object whose cleanup says that a collection has
// run. It holds a pointer so that it is not a tiny allocation, which the
// runtime may share with other objects and free later than its last use.
type gcSentinel struct{ _ *byte }
