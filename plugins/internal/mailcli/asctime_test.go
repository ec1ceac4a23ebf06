package mailcli

import (
	"testing"
	"time"
)

func TestAscTime(t *testing.T) {
	t.Parallel()
	// superlance's childutils.get_asctime(1700000000.5) in UTC, as its
	// tests document it: "2023-11-14 22:13:20,500".
	at := time.Unix(1700000000, 500e6)
	want := at.Local().Format("2006-01-02 15:04:05") + ",500"
	if got := AscTime(at); got != want {
		t.Errorf("AscTime = %q, want %q", got, want)
	}
	if got := AscTime(time.Date(2024, 1, 2, 3, 4, 5, 7e6, time.Local)); got != "2024-01-02 03:04:05,007" {
		t.Errorf("AscTime = %q", got)
	}
}
