package procfile

import (
	"errors"
	"os"
	"strconv"
	"testing"
)

func TestParseTgid(t *testing.T) {
	status := "Name:\tgo\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\nPid:\t4250\nPPid:\t1\n"
	if tgid, err := ParseTgid([]byte(status)); err != nil || tgid != 4242 {
		t.Errorf("ParseTgid = %d, %v; want 4242", tgid, err)
	}
	for _, bad := range []string{"Name:\tgo\nPid:\t1\n", "Tgid:\tx\n", ""} {
		if _, err := ParseTgid([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseTgid(%q): %v, want ErrMalformed", bad, err)
		}
	}
	// This process leads itself.
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if tgid, err := ParseTgid(b); err != nil || tgid != os.Getpid() {
		t.Errorf("own status: Tgid %d, %v; want %s", tgid, err, strconv.Itoa(os.Getpid()))
	}
}
