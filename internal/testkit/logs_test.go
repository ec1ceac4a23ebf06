package testkit

import (
	"slices"
	"testing"
	"time"
)

func TestMessagesAndLevels(t *testing.T) {
	t.Parallel()
	log := "2026-12-02 07:12:22,123 INFO mailed ops\n2026-12-02 07:12:22,124 WARN refused: 2026-12-02 07:12:22,124 INFO x\nplain\n"
	if got, want := Messages(log), "mailed ops\nrefused: 2026-12-02 07:12:22,124 INFO x\nplain\n"; got != want {
		t.Errorf("Messages = %q, want %q", got, want)
	}
	if got, want := Levels(log), "INFO mailed ops\nWARN refused: 2026-12-02 07:12:22,124 INFO x\nplain\n"; got != want {
		t.Errorf("Levels = %q, want %q", got, want)
	}
}

func TestAnswerTimes(t *testing.T) {
	t.Parallel()
	log := `2026-12-02 07:12:22,100 DEBG event 7 sent to listener slack
2026-12-02 07:12:22,100 DEBG slack: ACKNOWLEDGED -> READY
2026-12-02 07:12:22,103 DEBG other: BUSY -> ACKNOWLEDGED
2026-12-02 07:12:22,112 DEBG slack: BUSY -> ACKNOWLEDGED
2026-12-02 07:12:23,000 DEBG event 8 sent to listener slack
2026-12-02 07:12:23,250 DEBG slack: BUSY -> ACKNOWLEDGED
2026-12-02 07:12:24,000 DEBG slack: BUSY -> ACKNOWLEDGED`
	got := AnswerTimes(log, "slack")
	if want := []time.Duration{12 * time.Millisecond, 250 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("AnswerTimes = %v, want %v", got, want)
	}
}

func TestOutage(t *testing.T) {
	t.Setenv("GOLANCE_OUTAGE", "")
	if d := Outage(t, 12*time.Second); d != 12*time.Second {
		t.Errorf("Outage = %s without GOLANCE_OUTAGE, want the default", d)
	}
	t.Setenv("GOLANCE_OUTAGE", "5m")
	if d := Outage(t, 12*time.Second); d != 5*time.Minute {
		t.Errorf("Outage = %s with GOLANCE_OUTAGE=5m", d)
	}
}

func TestCallsPerAnswer(t *testing.T) {
	t.Parallel()
	log := `2026-12-02 07:12:22,090 TRAC XML-RPC method called: supervisor.getState()
2026-12-02 07:12:22,100 DEBG event 0 sent to listener memmon
2026-12-02 07:12:22,101 TRAC XML-RPC method called: supervisor.getPID()
2026-12-02 07:12:22,102 TRAC XML-RPC method supervisor.getPID() returned successfully
2026-12-02 07:12:22,103 TRAC XML-RPC method called: supervisor.getAllProcessInfo()
2026-12-02 07:12:22,103 DEBG other: BUSY -> ACKNOWLEDGED
2026-12-02 07:12:22,112 DEBG memmon: BUSY -> ACKNOWLEDGED
2026-12-02 07:12:27,000 DEBG event 1 sent to listener memmon
2026-12-02 07:12:27,250 DEBG memmon: BUSY -> ACKNOWLEDGED
2026-12-02 07:12:28,000 TRAC XML-RPC method called: supervisor.stopProcess()
2026-12-02 07:12:32,000 DEBG event 2 sent to listener memmon
2026-12-02 07:12:32,001 DEBG memmon: BUSY -> ACKNOWLEDGED
2026-12-02 07:12:33,000 TRAC XML-RPC method called: supervisor.startProcess()`
	got := CallsPerAnswer(log, "memmon")
	want := [][]string{{"supervisor.getPID", "supervisor.getAllProcessInfo"}, {}, {"supervisor.stopProcess"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("CallsPerAnswer = %q, want %q", got, want)
	}
}
