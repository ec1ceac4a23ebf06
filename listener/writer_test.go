package listener

import (
	"bytes"
	"errors"
	"testing"
)

func TestWriterTokens(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	steps := []struct {
		write func() error
		want  string
	}{
		{w.Ready, "READY\n"},
		{w.OK, "RESULT 2\nOK"},
		{w.Fail, "RESULT 4\nFAIL"},
		{func() error { return w.Result([]byte("héllo")) }, "RESULT 6\nhéllo"}, // bytes, not characters
		{func() error { return w.Result(nil) }, "RESULT 0\n"},
		{func() error { return w.ResultReady([]byte("OK")) }, "RESULT 2\nOKREADY\n"},
	}
	for _, s := range steps {
		buf.Reset()
		if err := s.write(); err != nil {
			t.Fatal(err)
		}
		if buf.String() != s.want {
			t.Errorf("wrote %q, want %q", buf.String(), s.want)
		}
	}
}

type countingWriter struct {
	writes int
	err    error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return len(p), c.err
}

func TestWriterOneWritePerToken(t *testing.T) {
	cw := &countingWriter{}
	w := NewWriter(cw)
	w.ResultReady([]byte("OK"))
	w.Result(bytes.Repeat([]byte("x"), 1000))
	if cw.writes != 2 {
		t.Fatalf("%d writes, want 2", cw.writes)
	}
	allocs := testing.AllocsPerRun(100, func() { w.ResultReady(okBody) })
	if allocs != 0 {
		t.Fatalf("ResultReady allocates %v times", allocs)
	}
	boom := errors.New("boom")
	cw.err = boom
	if err := w.Ready(); !errors.Is(err, boom) {
		t.Fatalf("write error lost: %v", err)
	}
}
