package testkit

import "testing"

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
