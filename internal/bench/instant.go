package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// measureInstant returns the dispatcher's own CPU time per event against a
// listener that answers instantly: its answers are already waiting when
// the dispatcher reads, so the dispatcher never sleeps and nothing else
// runs. The dispatcher's code is the one the listeners face: one write of
// the envelope into a pipe, one read of the answer from a pipe. The
// answers pipe is in packet mode (O_DIRECT), so that each read returns
// one answer as a listener's pipe does in lockstep; between batches,
// untimed, the bench empties the events pipe and queues the next answers.
func measureInstant(w workload, n int) (time.Duration, error) {
	// threadCPU reads one thread's clock: a goroutine that moved to another
	// thread between two readings would subtract one thread's time from
	// another's (the cause of a negative cost seen in tests, which do not
	// pin as main does).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var events, answers [2]int
	if err := unix.Pipe2(events[:], unix.O_CLOEXEC); err != nil {
		return 0, err
	}
	defer unix.Close(events[0])
	defer unix.Close(events[1])
	if err := unix.Pipe2(answers[:], unix.O_CLOEXEC|unix.O_DIRECT|unix.O_NONBLOCK); err != nil {
		return 0, err
	}
	defer unix.Close(answers[0])
	defer unix.Close(answers[1])
	// The dispatcher reads as from a listener, blocking; queuing answers
	// stops when the pipe is full.
	if err := unix.SetNonblock(answers[0], false); err != nil {
		return 0, err
	}
	room, err := unix.FcntlInt(uintptr(events[1]), unix.F_SETPIPE_SZ, 1<<20)
	if err != nil {
		return 0, fmt.Errorf("growing the events pipe: %w", err)
	}
	if _, err := unix.FcntlInt(uintptr(answers[1]), unix.F_SETPIPE_SZ, 1<<20); err != nil {
		return 0, fmt.Errorf("growing the answers pipe: %w", err)
	}

	d := newDispatcher(events[1], answers[0])
	if _, err := unix.Write(answers[1], readyToken); err != nil {
		return 0, err
	}
	if err := d.ready(); err != nil {
		return 0, err
	}
	perBatch := room / len(w.env.bytes(1<<40, 1<<40))
	answer := []byte("RESULT 2\nOKREADY\n")
	drain := make([]byte, room)
	var spent time.Duration
	for done := 0; done < n; {
		queued := 0
		for ; queued < min(perBatch, n-done); queued++ {
			if _, err := unix.Write(answers[1], answer); err != nil {
				if errors.Is(err, unix.EAGAIN) {
					break
				}
				return 0, err
			}
		}
		if queued == 0 {
			return 0, errors.New("no room to queue an answer")
		}
		cpu0 := threadCPU()
		for range queued {
			if err := d.deliver(w.env); err != nil {
				return 0, err
			}
		}
		spent += threadCPU() - cpu0
		done += queued
		// The pipe holds the whole batch, which one read takes.
		if _, err := unix.Read(events[0], drain); err != nil {
			return 0, err
		}
	}
	return spent / time.Duration(n), nil
}
