package restart

import "testing"

func TestStreaks(t *testing.T) {
	t.Parallel()
	s := NewStreaks(3)
	for i, wantDue := range []bool{false, false, true, true} {
		n, due := s.Fail("web")
		if n != i+1 || due != wantDue {
			t.Fatalf("failure %d: count %d due %v", i+1, n, due)
		}
	}
	s.Fail("db")
	s.Pass("web")
	if n, due := s.Fail("web"); n != 1 || due {
		t.Fatalf("after Pass: count %d due %v", n, due)
	}
	s.Retain(func(k string) bool { return k == "web" })
	if s.Count("db") != 0 || s.Count("web") != 1 {
		t.Fatalf("after Retain: db %d web %d", s.Count("db"), s.Count("web"))
	}
	if NewStreaks(0).Need() != 1 {
		t.Fatal("a threshold below 1 must act at the first failure")
	}
	if _, due := NewStreaks(1).Fail("x"); !due {
		t.Fatal("threshold 1 not due at once")
	}
}
