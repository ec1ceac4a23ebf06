package proctable

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/golance/golance/plugins/internal/procfile"
)

func TestParseLoadavgAndForks(t *testing.T) {
	last, threads, err := parseLoadavg([]byte("3.81 2.08 1.01 2/633 31394\n"))
	if err != nil || last != 31394 || threads != 633 {
		t.Errorf("parseLoadavg: %d %d %v", last, threads, err)
	}
	if _, _, err := parseLoadavg([]byte("3.81 2.08 1.01 2/633\n")); !errors.Is(err, procfile.ErrMalformed) {
		t.Errorf("short loadavg: %v", err)
	}
	forks, err := parseForks([]byte("cpu  1 2 3\nintr 5\nctxt 9\nbtime 1\nprocesses 123456\nprocs_running 2\n"))
	if err != nil || forks != 123456 {
		t.Errorf("parseForks: %d %v", forks, err)
	}
	if _, err := parseForks([]byte("cpu 1\n")); !errors.Is(err, procfile.ErrMalformed) {
		t.Errorf("no processes line: %v", err)
	}
}

func TestParsePIDs(t *testing.T) {
	got, err := parsePIDs([]int{1}, []byte("12 345 6789 "))
	if err != nil || !slices.Equal(got, []int{1, 12, 345, 6789}) {
		t.Errorf("got %v %v", got, err)
	}
	if _, err := parsePIDs(nil, []byte("12 x")); !errors.Is(err, procfile.ErrMalformed) {
		t.Errorf("bad pid: %v", err)
	}
}

func TestAppendDirentPIDs(t *testing.T) {
	// linux_dirent64 records, padded to 8 bytes as the kernel pads them.
	var b []byte
	for _, name := range []string{".", "..", "1", "self", "4242", "12a", "99"} {
		reclen := (19 + len(name) + 1 + 7) &^ 7
		rec := make([]byte, reclen)
		binary.LittleEndian.PutUint16(rec[16:], uint16(reclen))
		copy(rec[19:], name)
		b = append(b, rec...)
	}
	if got := appendDirentPIDs(nil, b); !slices.Equal(got, []int{1, 4242, 99}) {
		t.Errorf("got %v", got)
	}
	if got := appendDirentPIDs(nil, b[:10]); len(got) != 0 {
		t.Errorf("truncated records: %v", got)
	}
}
