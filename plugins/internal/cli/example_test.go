package cli

import "testing"

func TestExample(t *testing.T) {
	t.Parallel()
	got := Example("[eventlistener:a]\ncommand=a\n\n; note\n", "[eventlistener:b]\ncommand=b")
	want := "  [eventlistener:a]\n  command=a\n\n  ; note\n\n  [eventlistener:b]\n  command=b"
	if got != want {
		t.Errorf("Example:\n%q\nwant\n%q", got, want)
	}
}
