package crashinfo

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/golance/golance/listener/rpc"
)

func TestLastLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		cut  bool
		n    int
		want []string
	}{
		{"", false, 5, nil},
		{"\n\n", false, 5, nil},
		{"a\nb\n", false, 0, nil},
		{"a\nb\nc\n", false, 2, []string{"b", "c"}},
		{"a\nb\nc", false, 5, []string{"a", "b", "c"}},
		{"x\ny\n", false, 1, []string{"y"}},
		{"a\r\nb\r\n", false, 5, []string{"a", "b"}},
		{"tail of a line\nb\nc", true, 5, []string{"b", "c"}}, // the first line of a tail is cut
		{"only a partial line", true, 5, []string{"only a partial line"}},
		{"x\n" + strings.Repeat("é", maxLineRunes+5), false, 5, []string{"x", strings.Repeat("é", maxLineRunes) + " …"}},
	}
	for _, tt := range tests {
		got := lastLines(tt.text, tt.cut, tt.n)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("lastLines(%q, %v, %d) = %q, want %q", tt.text, tt.cut, tt.n, got, tt.want)
		}
	}
}

// utf8Aligned against a reader that fails as supervisord does: HTTP 500
// when the end of log it reads starts inside a character.
// TestFetchRealSupervisord shows supervisord doing it.
func TestUTF8Aligned(t *testing.T) {
	t.Parallel()
	log := []byte("x" + strings.Repeat("é€😀", 100))
	var lengths []int
	read := func(n int) (string, error) {
		lengths = append(lengths, n)
		b := log[len(log)-n:]
		if !utf8.Valid(b) {
			return "", &rpc.StatusError{Method: "supervisor.readLog", StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error"}
		}
		return string(b), nil
	}
	for n := 4; n <= len(log)-1; n++ {
		lengths = nil
		got, err := utf8Aligned(n, read)
		if err != nil || got == "" || !strings.HasSuffix(string(log), got) || len(got) < n-3 {
			t.Fatalf("utf8Aligned(%d) = %q, %v after reads of %v", n, got, err, lengths)
		}
	}

	// Other errors are returned at once, and a log that is not UTF-8 at
	// all after four tries.
	for _, err := range []error{
		errors.New("connection refused"),
		&rpc.StatusError{StatusCode: http.StatusUnauthorized},
		&rpc.StatusError{StatusCode: http.StatusInternalServerError},
	} {
		calls := 0
		_, got := utf8Aligned(100, func(int) (string, error) { calls++; return "", err })
		want := 1
		if se, ok := err.(*rpc.StatusError); ok && se.StatusCode == http.StatusInternalServerError {
			want = 4
		}
		if got != err || calls != want {
			t.Errorf("utf8Aligned with %v: %v after %d calls, want %d calls", err, got, calls, want)
		}
	}
}
