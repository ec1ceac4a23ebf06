package procmem

import (
	"errors"
	"os"
	"testing"

	"github.com/prometheus/procfs"
)

func TestParseStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want statFields
	}{
		{"stat-plain.txt", statFields{ppid: 4200, rssPages: 17237}},
		// A command name may hold spaces and parentheses of its own.
		{"stat-parens.txt", statFields{ppid: 1, rssPages: 3}},
		{"stat-kthread.txt", statFields{ppid: 0, rssPages: 0}},
	}
	for _, tt := range tests {
		b, err := os.ReadFile("testdata/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseStat(b)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.file, got, err, tt.want)
		}
	}
}

func TestParseStatRejectsMalformed(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"12 no-parens S 1 2",
		"12 (x)",
		"12 (x) S 1 2 3",
		"12 (x) S -1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 3",
		"12 (x) S 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 lots",
	} {
		if got, err := parseStat([]byte(in)); !errors.Is(err, errBadStat) {
			t.Errorf("parseStat(%q) = %+v, %v; want errBadStat", in, got, err)
		}
	}
}

// The fast parser must read the same numbers as procfs's complete one, for
// every process on this machine.
func TestParseStatAgreesWithProcfs(t *testing.T) {
	t.Parallel()
	startHog(t, 8, 0, 0)
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		t.Fatal(err)
	}
	procs, err := fs.AllProcs()
	if err != nil {
		t.Fatal(err)
	}
	r := newReader(t)
	compared := 0
	for _, p := range procs {
		want, err := p.Stat()
		if err != nil {
			continue // gone meanwhile
		}
		b, err := r.read(p.PID, fileStat)
		if err != nil {
			continue
		}
		got, err := parseStat(b)
		if err != nil {
			t.Fatalf("pid %d: %v", p.PID, err)
		}
		if got.ppid != want.PPID {
			t.Errorf("pid %d: ppid %d, procfs says %d", p.PID, got.ppid, want.PPID)
		}
		// Resident sizes move, so compare readings taken back to back
		// and allow a few tries.
		if !agrees(func() (uint64, uint64) {
			b, _ := r.read(p.PID, fileStat)
			ours, _ := parseStat(b)
			theirs, _ := p.Stat()
			return ours.rssPages, uint64(theirs.RSS)
		}) {
			t.Errorf("pid %d (%s): stat rss disagrees with procfs", p.PID, want.Comm)
		}
		if !agrees(func() (uint64, uint64) {
			b, _ := r.read(p.PID, fileStatm)
			ours, _ := parseStatm(b)
			theirs, _ := p.Statm()
			return ours, theirs.Resident
		}) {
			t.Errorf("pid %d (%s): statm resident disagrees with procfs", p.PID, want.Comm)
		}
		compared++
	}
	if compared < 2 {
		t.Fatalf("compared only %d processes", compared)
	}
}

// agrees reports whether read returns two equal numbers in one of five
// tries, or at least two within 2% of each other: a busy process (a race
// detector's, say) changes its resident size between any two reads, but
// a wrong field would be far off.
func agrees(read func() (uint64, uint64)) bool {
	for range 5 {
		a, b := read()
		if a == b || (a > b && a-b <= b/50) || (b > a && b-a <= a/50) {
			return true
		}
	}
	return false
}

func TestParseStatm(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint64{
		"373307 1429 1143 354 0 26766 0\n": 1429,
		"0 0 0 0 0 0 0":                    0,
	} {
		if got, err := parseStatm([]byte(in)); err != nil || got != want {
			t.Errorf("parseStatm(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12", "12 x 3", "12 -1 3"} {
		if _, err := parseStatm([]byte(in)); !errors.Is(err, errBadStatm) {
			t.Errorf("parseStatm(%q): %v, want errBadStatm", in, err)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	for _, name := range []string{"stat-plain.txt", "stat-parens.txt", "stat-kthread.txt"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b)
		if err == nil && st.ppid < 0 {
			t.Fatalf("negative ppid from %q", b)
		}
	})
}
