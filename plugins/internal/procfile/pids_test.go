package procfile

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParsePIDs(t *testing.T) {
	t.Parallel()
	got, err := ParsePIDs([]int{1}, []byte("12 345 6789 "))
	if err != nil || !slices.Equal(got, []int{1, 12, 345, 6789}) {
		t.Errorf("got %v %v", got, err)
	}
	if _, err := ParsePIDs(nil, []byte("12 x")); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad pid: %v", err)
	}
}

func TestAppendDirentPIDs(t *testing.T) {
	t.Parallel()
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

// The processes of /proc include this one, and the threads of this process
// its main thread, whose id is its pid.
func TestReadPIDs(t *testing.T) {
	t.Parallel()
	d := openDir(t)
	for _, name := range []string{"", itoa(os.Getpid()) + "/task"} {
		for range 2 { // the root is listed again from its start
			pids, err := d.ReadPIDs(name, nil)
			if err != nil || !slices.Contains(pids, os.Getpid()) {
				t.Fatalf("ReadPIDs(%q) = %v, %v; want it to hold %d", name, pids, err, os.Getpid())
			}
		}
	}
	if _, err := d.ReadPIDs("no-such-dir", nil); err == nil {
		t.Fatal("a missing directory listed")
	}
}

// A children list kept open reads afresh from its start: a child started
// after the first read shows at the second.
func TestPreadAllChildren(t *testing.T) {
	d := openDir(t)
	fd, err := d.OpenAt(itoa(os.Getpid()) + "/task/" + itoa(os.Getpid()) + "/children")
	if err != nil {
		t.Skipf("no children lists (CONFIG_PROC_CHILDREN): %v", err)
	}
	defer unix.Close(fd)
	if _, err := d.PreadAll(fd); err != nil {
		t.Fatal(err)
	}
	// The test's main thread is not necessarily the one forking, so
	// count children over every thread.
	cmd := exec.Command("sleep", "3600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var all []int
	tids, err := d.ReadPIDs(itoa(os.Getpid())+"/task", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tid := range tids {
		fd, err := d.OpenAt(itoa(os.Getpid()) + "/task/" + itoa(tid) + "/children")
		if err != nil {
			continue // the thread ended
		}
		for range 2 {
			b, err := d.PreadAll(fd)
			if err != nil {
				t.Fatal(err)
			}
			if all, err = ParsePIDs(all, b); err != nil {
				t.Fatal(err)
			}
		}
		unix.Close(fd)
	}
	if n := countOf(all, cmd.Process.Pid); n != 2 {
		t.Fatalf("child %d read %d times from two reads of every list: %v", cmd.Process.Pid, n, all)
	}
}

func countOf(s []int, v int) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// The children lists of this process's threads name a child it started,
// and a thread that is not there is passed over.
func TestReadThreadChildren(t *testing.T) {
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	d, err := OpenDir("")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pid := os.Getpid()
	tids, err := d.ReadPIDs(strconv.Itoa(pid)+"/task", nil)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := d.ReadThreadChildren(nil, pid, append(tids, 1<<22-1))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(kids, child.Process.Pid) {
		t.Fatalf("children %v lack %d", kids, child.Process.Pid)
	}
}
