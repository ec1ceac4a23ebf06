package procmem

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/memhog"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"memhog": memhog.Main})
}

const mib = 1 << 20

func newReader(t testing.TB) *Reader {
	t.Helper()
	r, err := NewReader("")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startHog runs memhog holding mb MiB, with children children holding
// childMB MiB each, and returns its pid once every page is resident.
func startHog(t testing.TB, mb, children, childMB int) int {
	t.Helper()
	cmd := exec.Command("memhog", "-mb", strconv.Itoa(mb), "-children", strconv.Itoa(children), "-child-mb", strconv.Itoa(childMB))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = errors.New("memhog said " + strconv.Quote(line))
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("memhog did not get ready in 30s")
	}
	return cmd.Process.Pid
}

func usage(t *testing.T, s *Snapshot, pid int, m Metric, cumulative bool) uint64 {
	t.Helper()
	n, err := s.Usage(pid, m, cumulative)
	if err != nil {
		t.Fatalf("Usage(%d, %v, %v): %v", pid, m, cumulative, err)
	}
	return n
}

func TestUsageOfOneProcess(t *testing.T) {
	t.Parallel()
	pid := startHog(t, 64, 0, 0)
	r := newReader(t)
	for _, tree := range []bool{false, true} {
		s, err := r.Snapshot(tree)
		if err != nil {
			t.Fatal(err)
		}
		rss, pss, uss := usage(t, s, pid, RSS, false), usage(t, s, pid, PSS, false), usage(t, s, pid, USS, false)
		// The 64 MiB are private anonymous pages: every metric counts
		// them, and sharing can only make RSS larger than PSS, and PSS
		// than USS.
		if uss < 64*mib || pss < uss || rss < pss {
			t.Errorf("tree=%v: rss %d, pss %d, uss %d; want 64MiB <= uss <= pss <= rss", tree, rss, pss, uss)
		}
	}
}

func TestCumulativeUsageAddsDescendants(t *testing.T) {
	t.Parallel()
	// memhog children are themselves memhog processes, so a child of a
	// child would show up too; two children of 32 MiB make a tree of at
	// least 64 MiB around a parent holding nothing.
	pid := startHog(t, 0, 2, 32)
	r := newReader(t)
	s, err := r.Snapshot(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Metrics {
		own := usage(t, s, pid, m, false)
		all := usage(t, s, pid, m, true)
		if own >= 32*mib {
			t.Errorf("%v of the parent alone is %d, want < 32MiB", m, own)
		}
		if all < own+64*mib {
			t.Errorf("cumulative %v is %d, want at least %d + 64MiB", m, all, own)
		}
	}
}

func TestCumulativeUsageNeedsATree(t *testing.T) {
	t.Parallel()
	s, err := newReader(t).Snapshot(false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Usage(os.Getpid(), RSS, true); err == nil {
		t.Fatal("cumulative usage from a snapshot without a tree")
	}
}

func TestUsageOfAVanishedProcess(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	r := newReader(t)
	for _, tree := range []bool{false, true} {
		s, err := r.Snapshot(tree)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range Metrics {
			if _, err := s.Usage(cmd.Process.Pid, m, tree); !errors.Is(err, ErrNoProcess) {
				t.Errorf("tree=%v %v: err %v, want ErrNoProcess", tree, m, err)
			}
		}
	}
}

func TestNewReaderNeedsProc(t *testing.T) {
	t.Parallel()
	if _, err := NewReader(t.TempDir()); err == nil {
		t.Fatal("an empty directory accepted as /proc")
	}
}

func TestParseMetric(t *testing.T) {
	t.Parallel()
	for _, m := range Metrics {
		for _, s := range []string{m.Name(), m.String()} {
			if got, err := ParseMetric(s); err != nil || got != m {
				t.Errorf("ParseMetric(%q) = %v, %v", s, got, err)
			}
		}
	}
	if _, err := ParseMetric("vsz"); err == nil {
		t.Error("vsz accepted")
	}
}

// A Reader keeps the files of the processes it reads open, notices when one
// of them exits, and closes the files nobody asks about any more.
func TestReaderKeepsAndClosesFiles(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("sleep", "3600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := newReader(t)
	t.Cleanup(func() { r.Close() })
	s, _ := r.Snapshot(false)
	first := usage(t, s, cmd.Process.Pid, RSS, false)
	if _, ok := r.files[fileKey{cmd.Process.Pid, fileStatm}]; !ok || first == 0 {
		t.Fatalf("statm of %d not kept open (rss %d)", cmd.Process.Pid, first)
	}
	cmd.Process.Kill()
	cmd.Wait()
	s, _ = r.Snapshot(false)
	if _, err := s.Usage(cmd.Process.Pid, RSS, false); !errors.Is(err, ErrNoProcess) {
		t.Fatalf("after exit: %v, want ErrNoProcess", err)
	}
	if len(r.files) != 0 {
		t.Fatalf("files of an exited process still open: %v", r.files)
	}
	// A process nobody asks about for a whole snapshot loses its file.
	s, _ = r.Snapshot(false)
	usage(t, s, os.Getpid(), RSS, false)
	r.Snapshot(false)
	r.Snapshot(false)
	if len(r.files) != 0 {
		t.Fatalf("unused files still open: %v", r.files)
	}
}
