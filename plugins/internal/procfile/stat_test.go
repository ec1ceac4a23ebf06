package procfile

import (
	"errors"
	"os"
	"testing"

	"github.com/prometheus/procfs"
)

func TestParseStat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file string
		want Stat
	}{
		{"stat-plain.txt", Stat{State: 'S', PPID: 4200, Reaped: 0, Start: 7436, RSSPages: 17237, UTime: 3, STime: 1}},
		// A command name may hold spaces and parentheses of its own.
		{"stat-parens.txt", Stat{State: 'R', PPID: 1, Start: 100, RSSPages: 3}},
		{"stat-kthread.txt", Stat{State: 'S', Start: 6, STime: 4}},
	} {
		b, err := os.ReadFile("testdata/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ParseStat(b); err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.file, got, err, tt.want)
		}
	}
	// The four counters a parent's reaping adds to, summed, and the
	// process's own CPU times between them, apart.
	line := "4242 (a) (b) c) S 77 4242 4242 0 -1 4194560 1500 10 2 3 40 50 6 7 20 0 1 0 987654 12345678 400 18446744073709551615\n"
	want := Stat{State: 'S', PPID: 77, Reaped: 10 + 3 + 6 + 7, Start: 987654, RSSPages: 400, UTime: 40, STime: 50}
	if got, err := ParseStat([]byte(line)); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}

func TestParseStatRejectsMalformed(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"12 no-parens S 1 2",
		"12 (x)",
		"12 (x) ",
		"12 (x) S 1 2 3",
		"12 (x) SS 77 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 1000 3\n",
		"12 (x) S -1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 3",
		"12 (x) S 1 7 7 0 -1 4194560 0 x 0 0 0 0 0 0 20 0 1 0 100 1000 3",
		"12 (x) S 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 lots",
	} {
		if got, err := ParseStat([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseStat(%q) = %+v, %v; want ErrMalformed", in, got, err)
		}
	}
}

// The parser must read the same numbers as procfs's complete one, for
// every process on this machine.
func TestParseStatAgreesWithProcfs(t *testing.T) {
	t.Parallel()
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		t.Fatal(err)
	}
	procs, err := fs.AllProcs()
	if err != nil {
		t.Fatal(err)
	}
	d := openDir(t)
	compared := 0
	for _, p := range procs {
		want, err := p.Stat()
		if err != nil {
			continue // gone meanwhile
		}
		b, err := d.ReadSmall(itoa(p.PID) + "/stat")
		if err != nil {
			continue
		}
		got, err := ParseStat(b)
		if err != nil {
			t.Fatalf("pid %d: %v", p.PID, err)
		}
		if got.PPID != want.PPID || got.Start != want.Starttime || got.State != want.State[0] && p.PID != os.Getpid() {
			t.Errorf("pid %d: %+v, procfs says ppid %d start %d state %s", p.PID, got, want.PPID, want.Starttime, want.State)
		}
		// Resident sizes move, so compare readings taken back to back
		// and allow a few tries.
		if !agrees(func() (uint64, uint64) {
			b, _ := d.ReadSmall(itoa(p.PID) + "/stat")
			ours, _ := ParseStat(b)
			theirs, _ := p.Stat()
			return ours.RSSPages, uint64(theirs.RSS)
		}) {
			t.Errorf("pid %d (%s): stat rss disagrees with procfs", p.PID, want.Comm)
		}
		for field, get := range map[string]func(Stat, procfs.ProcStat) (uint64, uint64){
			"utime": func(o Stat, t procfs.ProcStat) (uint64, uint64) { return o.UTime, uint64(t.UTime) },
			"stime": func(o Stat, t procfs.ProcStat) (uint64, uint64) { return o.STime, uint64(t.STime) },
		} {
			if !agrees(func() (uint64, uint64) {
				b, _ := d.ReadSmall(itoa(p.PID) + "/stat")
				ours, _ := ParseStat(b)
				theirs, _ := p.Stat()
				return get(ours, theirs)
			}) {
				t.Errorf("pid %d (%s): stat %s disagrees with procfs", p.PID, want.Comm, field)
			}
		}
		if !agrees(func() (uint64, uint64) {
			b, _ := d.ReadSmall(itoa(p.PID) + "/statm")
			ours, _ := ParseStatm(b)
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
		if got, err := ParseStatm([]byte(in)); err != nil || got != want {
			t.Errorf("ParseStatm(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12", "12 x 3", "12 -1 3"} {
		if _, err := ParseStatm([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseStatm(%q): %v, want ErrMalformed", in, err)
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
		st, err := ParseStat(b)
		if err == nil && (st.PPID < 0 || st.State == 0) {
			t.Fatalf("%+v from %q", st, b)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("%v from %q", err, b)
		}
	})
}
