package procfile

import (
	"errors"
	"testing"

	"github.com/prometheus/procfs"
)

func TestParseBootTime(t *testing.T) {
	t.Parallel()
	stat := "cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 5 6\nctxt 9\nbtime 1764805432\nprocesses 123456\nprocs_running 2\n"
	if got, err := ParseBootTime([]byte(stat)); err != nil || got != 1764805432 {
		t.Errorf("ParseBootTime: %d, %v; want 1764805432", got, err)
	}
	for _, in := range []string{"", "cpu 1\nprocesses 3\n", "btime\n", "btime x\n", "btimes 12\n"} {
		if got, err := ParseBootTime([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseBootTime(%q) = %d, %v; want ErrMalformed", in, got, err)
		}
	}
}

// This machine's boot time reads as procfs reads it.
func TestParseBootTimeAgreesWithProcfs(t *testing.T) {
	t.Parallel()
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		t.Fatal(err)
	}
	want, err := fs.Stat()
	if err != nil {
		t.Fatal(err)
	}
	b, err := openDir(t).ReadSmall("stat")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ParseBootTime(b); err != nil || got != want.BootTime {
		t.Errorf("ParseBootTime: %d, %v; procfs says %d", got, err, want.BootTime)
	}
}
