package outbox

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The child side of TestKill: it queues OUTBOX_KILL_ITEMS items for a sink
// that is down, or, with OUTBOX_KILL_HOLD, for a sink that hangs in the
// middle of the first delivery, says "ready" and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("OUTBOX_KILL_DIR"); dir != "" {
		os.Exit(killChild(dir))
	}
	os.Exit(m.Run())
}

func killChild(dir string) int {
	n, _ := strconv.Atoi(os.Getenv("OUTBOX_KILL_ITEMS"))
	s := newTestSink("mail")
	if os.Getenv("OUTBOX_KILL_HOLD") != "" {
		s.hold, s.entered = make(chan struct{}), make(chan struct{}, 1)
	} else {
		s.setDown(errDown)
	}
	ob, err := Open(Config{Dir: dir, Sinks: map[string]Sink{"mail": s}, Retry: fastRetry})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	ob.Start()
	for i := 1; i <= n; i++ {
		it := item("mail", i)
		if err := ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(it); return nil }); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	if s.entered != nil {
		<-s.entered
	}
	fmt.Println("ready")
	select {}
}

func runAndKill(t *testing.T, dir string, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"OUTBOX_KILL_DIR=" + dir}, env...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q", line)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

func TestKillLosesNothing(t *testing.T) {
	dir := t.TempDir()
	runAndKill(t, dir, "OUTBOX_KILL_ITEMS=25")

	s := newTestSink("mail")
	ob, _ := open(t, dir, s)
	if ob.Mode() != Durable {
		t.Fatal("the store of a killed listener cannot be reopened")
	}
	ob.Start()
	got := s.waitKeys(t, 25)
	for i, k := range got {
		if want := fmt.Sprintf("k%d", i+1); k != want {
			t.Fatalf("delivery %d is %s, want %s", i, k, want)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(s.keys()); n != 25 {
		t.Fatalf("%d deliveries, want 25", n)
	}
}

func TestKillDuringDeliveryResendsTheSameItem(t *testing.T) {
	dir := t.TempDir()
	runAndKill(t, dir, "OUTBOX_KILL_ITEMS=2", "OUTBOX_KILL_HOLD=1")

	s := newTestSink("mail")
	ob, _ := open(t, dir, s)
	ob.Start()
	got := s.waitKeys(t, 2)
	// The far end may have accepted k1 just before the kill; it gets k1
	// again with the same key, which the sinks carry (the Message-ID).
	if strings.Join(got, ",") != "k1,k2" {
		t.Fatalf("delivered %v, want k1 (again) then k2", got)
	}
}
