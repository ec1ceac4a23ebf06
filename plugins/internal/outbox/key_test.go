package outbox

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
)

func TestEventKeyIdentifiesOneEventOfOneRun(t *testing.T) {
	ev := listener.Event{Header: listener.Header{Server: "web1", Serial: 42, Pool: "crashmail", PoolSerial: 7}}
	k := EventKey(ev)
	if !strings.HasPrefix(k, "web1/") || !strings.HasSuffix(k, "/crashmail/42") {
		t.Fatalf("key %q", k)
	}
	// A redelivery carries the same serials; a later event another serial.
	if EventKey(ev) != k {
		t.Fatal("the same event gives another key")
	}
	ev2 := ev
	ev2.Serial = 43
	if EventKey(ev2) == k {
		t.Fatal("two events give one key")
	}
}

func TestStateKeyNamesTheFactsUnderOneRun(t *testing.T) {
	k := StateKey("failed", "web", "web@1700000000")
	if k != StateKey("failed", "web", "web@1700000000") {
		t.Fatal("the same facts give another key")
	}
	if !strings.HasPrefix(k, supervisordRun()+"/") || !strings.HasSuffix(k, "/failed/web/web@1700000000") {
		t.Fatalf("key %q", k)
	}
	if StateKey("failed", "web", "web@1700000001") == k {
		t.Fatal("a later start of the process gives the same key")
	}
}

// fakeProc writes the /proc files findRun reads.
func fakeProc(t *testing.T, boot string, procs map[int]string, cmdlines ...string) string {
	t.Helper()
	root := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "sys/kernel/random"), 0o755))
	must(os.WriteFile(filepath.Join(root, "sys/kernel/random/boot_id"), []byte(boot+"\n"), 0o644))
	for pid, stat := range procs {
		d := filepath.Join(root, strconv.Itoa(pid))
		must(os.MkdirAll(d, 0o755))
		must(os.WriteFile(filepath.Join(d, "stat"), []byte(stat), 0o644))
		must(os.WriteFile(filepath.Join(d, "cmdline"), nil, 0o644))
	}
	// cmdlines: pid, then its arguments separated by spaces, for each.
	for _, c := range cmdlines {
		pid, args, _ := strings.Cut(c, " ")
		must(os.WriteFile(filepath.Join(root, pid, "cmdline"), []byte(strings.ReplaceAll(args, " ", "\x00")+"\x00"), 0o644))
	}
	return root
}

// stat returns a /proc/<pid>/stat line with the given parent and start.
func stat(pid int, comm string, ppid int, start string) string {
	f := []string{strconv.Itoa(pid), "(" + comm + ")", "S", strconv.Itoa(ppid)}
	for i := 5; i <= 21; i++ {
		f = append(f, "0")
	}
	f = append(f, start, "0", "0")
	return strings.Join(f, " ") + "\n"
}

func TestFindRunPrefersSupervisordAmongAncestors(t *testing.T) {
	boot := "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	root := fakeProc(t, boot, map[int]string{
		30: stat(30, "sh", 7, "5000"),            // command=sh -c ...
		7:  stat(7, "supervisord", 1, "1234"),    // supervisord
		1:  stat(1, "essential (run)", 0, "100"), // the entrypoint
	})
	if got, want := findRun(root, 30), "0f1e2d3c4b5a-7-1234"; got != want {
		t.Fatalf("findRun = %q, want %q", got, want)
	}
	// A parent that is not supervisord, with no supervisord above: the
	// parent itself.
	root = fakeProc(t, boot, map[int]string{40: stat(40, "go", 1, "99"), 1: stat(1, "init", 0, "1")})
	if got, want := findRun(root, 40), "0f1e2d3c4b5a-40-99"; got != want {
		t.Fatalf("findRun = %q, want %q", got, want)
	}
	// A command name with spaces and parentheses.
	root = fakeProc(t, boot, map[int]string{50: stat(50, "super visord) (x", 1, "77")})
	if got, want := findRun(root, 50), "0f1e2d3c4b5a-50-77"; got != want {
		t.Fatalf("findRun = %q, want %q", got, want)
	}
}

// supervisord run by its interpreter is found from its arguments; a
// command that only mentions supervisord (go test given the package
// .../testharness/supervisord) is not taken for it.
func TestFindRunReadsTheProgramNotEveryWord(t *testing.T) {
	boot := "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	root := fakeProc(t, boot, map[int]string{
		60: stat(60, "crashmail", 61, "600"),
		61: stat(61, "python3", 1, "610"),
	}, "61 /usr/bin/python3 /usr/bin/supervisord -n -c /etc/supervisor/supervisord.conf")
	if got, want := findRun(root, 61), "0f1e2d3c4b5a-61-610"; got != want {
		t.Fatalf("findRun = %q, want %q (python3 running supervisord)", got, want)
	}
	root = fakeProc(t, boot, map[int]string{
		70: stat(70, "supervisor-harn", 71, "700"),
		71: stat(71, "go", 1, "710"),
	}, "70 supervisor-harness -c crashmail.conf crash.txtar",
		"71 go test -count=1 github.com/golance/golance/testharness/supervisord")
	if got, want := findRun(root, 70), "0f1e2d3c4b5a-70-700"; got != want {
		t.Fatalf("findRun = %q, want %q (the parent: go test is no supervisord)", got, want)
	}
}

func TestFindRunWithoutProcIsRandom(t *testing.T) {
	a, b := findRun(t.TempDir(), 1), findRun(t.TempDir(), 1)
	if a == b || !strings.HasPrefix(a, "r") {
		t.Fatalf("fallback runs %q and %q: want distinct random values", a, b)
	}
}

func TestFindRunOnThisHost(t *testing.T) {
	run := findRun("/proc", os.Getppid())
	if strings.HasPrefix(run, "r") || strings.Count(run, "-") != 2 {
		t.Fatalf("findRun on this host = %q", run)
	}
}
