package outbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/golance/golance/listener"
)

// EventKey returns the idempotency key of a notification caused by ev: the
// same for every delivery of that event to this listener's pool, and
// different for every other event, of this or any other supervisord run.
//
// supervisord numbers events with a serial that starts again at 0 when
// supervisord starts again (though not on a reload, which keeps the
// process), so the key names the supervisord run as well: its
// identification, and its pid and start time on this boot of this host.
// A container that restarts supervisord as pid 1 on a persistent volume
// therefore still gets fresh keys.
func EventKey(ev listener.Event) string {
	return fmt.Sprintf("%s/%s/%s/%d", ev.Server, supervisordRun(), ev.Pool, ev.Serial)
}

// StateKey returns the idempotency key of a notification about a state of
// supervisord's processes rather than about one event (ordered-startup's
// report that a program failed): facts name the state, as the processes'
// names and start times do. The key is the same for every run of the
// listener under this supervisord run that finds the same facts, so that
// a listener restarted after a kill -9 and finding the failure again does
// not report it twice; it differs under another supervisord run.
func StateKey(facts ...string) string {
	return supervisordRun() + "/" + strings.Join(facts, "/")
}

var (
	runOnce sync.Once
	runID   string
)

// supervisordRun identifies the supervisord process this listener runs
// under: boot id, pid and start time. Without /proc it falls back to a
// random value per listener process, which can only ever cause a
// duplicate (after a restart of the listener), never a lost notification.
func supervisordRun() string {
	runOnce.Do(func() { runID = findRun("/proc", os.Getppid()) })
	return runID
}

// findRun looks for supervisord among the first few ancestors of pid
// (a command= may wrap the listener in a shell), falling back to pid
// itself.
func findRun(proc string, ppid int) string {
	boot, err := os.ReadFile(proc + "/sys/kernel/random/boot_id")
	if err != nil {
		return randomRun()
	}
	bootID := strings.ReplaceAll(strings.TrimSpace(string(boot)), "-", "")
	if len(bootID) > 12 {
		bootID = bootID[:12]
	}
	chosen, chosenStart := 0, ""
	for pid, depth := ppid, 0; pid > 0 && depth < 4; depth++ {
		start, parent, comm, ok := readStat(proc, pid)
		if !ok {
			break
		}
		if chosen == 0 {
			chosen, chosenStart = pid, start
		}
		if comm == "supervisord" || runsSupervisord(proc, pid) {
			chosen, chosenStart = pid, start
			break
		}
		pid = parent
	}
	if chosen == 0 {
		return randomRun()
	}
	return fmt.Sprintf("%s-%d-%s", bootID, chosen, chosenStart)
}

// readStat returns the start time (clock ticks since boot), parent pid and
// command name of pid from /proc/<pid>/stat.
func readStat(proc string, pid int) (start string, ppid int, comm string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("%s/%d/stat", proc, pid))
	if err != nil {
		return "", 0, "", false
	}
	// The command name is in parentheses and may itself hold spaces and
	// parentheses: the fields resume after the last ')'.
	open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return "", 0, "", false
	}
	comm = string(b[open+1 : close])
	fields := strings.Fields(string(b[close+1:]))
	// fields[0] is the state (field 3 of stat), so field n is fields[n-3].
	if len(fields) < 20 {
		return "", 0, "", false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return fields[19], ppid, comm, true
}

// runsSupervisord reports whether pid's program is supervisord run by an
// interpreter (python3 /usr/bin/supervisord, python3 -m
// supervisor.supervisord): one of its first arguments names it. Not any
// word of its command line: `go test` given the package path
// .../testharness/supervisord is no supervisord, and taking it for one
// gave two harness runs under it the same keys.
func runsSupervisord(proc string, pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("%s/%d/cmdline", proc, pid))
	if err != nil {
		return false
	}
	args := bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0})
	for _, a := range args[:min(len(args), 3)] {
		if s := string(a); filepath.Base(s) == "supervisord" || s == "supervisor.supervisord" {
			return true
		}
	}
	return false
}

func randomRun() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "r" + hex.EncodeToString(b[:])
}
