package retry

import (
	"errors"
	"fmt"
	"testing"
)

func TestTransientHidesPermanentMarks(t *testing.T) {
	kind := errors.New("SMTP authentication failed")
	perm := Permanent(fmt.Errorf("535 bad password: %w", kind))
	if !IsPermanent(perm) || !IsPermanent(fmt.Errorf("sending: %w", perm)) {
		t.Fatal("Permanent not seen")
	}
	tr := Transient(perm)
	if IsPermanent(tr) || IsPermanent(fmt.Errorf("sending: %w", tr)) {
		t.Fatal("Transient did not hide the mark")
	}
	if !errors.Is(tr, kind) || tr.Error() != perm.Error() {
		t.Fatalf("Transient changed the error: %v", tr)
	}
	if IsPermanent(Permanent(tr)) == false {
		t.Fatal("a Permanent mark outside Transient is hidden")
	}
	if Transient(nil) != nil {
		t.Fatal("Transient(nil) != nil")
	}
}
