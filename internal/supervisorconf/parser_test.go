package supervisorconf

import (
	"bufio"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/pythontest"
	"github.com/rogpeppe/go-internal/txtar"
)

// dialectServer is one supervisord parser in a Python process, shared by
// the inputs of FuzzDialect.
var dialectServer struct {
	once sync.Once
	err  error
	in   *json.Encoder
	out  *bufio.Scanner
	mu   sync.Mutex
}

func parseWithPython(t *testing.T, path string) (sections map[string]map[string]string, pyErr string) {
	t.Helper()
	s := &dialectServer
	s.once.Do(func() {
		cmd := exec.Command(pythontest.Path, "testdata/dialect.py")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			s.err = err
			return
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			s.err = err
			return
		}
		cmd.Stderr = os.Stderr
		if s.err = cmd.Start(); s.err == nil {
			s.in, s.out = json.NewEncoder(stdin), bufio.NewScanner(stdout)
			s.out.Buffer(nil, 1<<24)
		}
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.in.Encode(map[string]string{"path": path}); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool, 1)
	go func() { done <- s.out.Scan() }()
	select {
	case ok := <-done:
		if !ok {
			t.Fatalf("the Python parser stopped: %v", s.out.Err())
		}
	case <-time.After(10 * time.Second):
		panic("the Python parser does not answer for " + path)
	}
	var answer struct {
		Sections map[string]map[string]string
		Error    string
	}
	if err := json.Unmarshal(s.out.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	return answer.Sections, answer.Error
}

// FuzzDialect reads any text with this package's parser and with
// supervisord's, and compares every section and raw value, or that both
// refuse it. Its seeds are the main files of dialectCases.
func FuzzDialect(f *testing.F) {
	for _, tc := range dialectCases {
		ar := txtar.Parse([]byte(tc.files))
		f.Add(strings.ReplaceAll(strings.ReplaceAll(string(ar.Files[0].Data), "<CRLF>\n", "\r\n"), "<CR>\n", "\r"))
	}
	f.Add("[a]\nk = v\n \t\n  more ; c\n\n[a]\nK: w\n")
	pythontest.Require(f, "supervisor.options")
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "s.conf")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		want, pyErr := parseWithPython(t, path)
		// No [include] is followed here: the parser alone is compared.
		c := &Config{Path: path, Here: filepath.Dir(path), byName: map[string]*Section{}, defaults: newSection("DEFAULT", path, 0)}
		err := c.read(text, path)
		switch {
		case err != nil && pyErr != "":
			var ce *Error
			if !errors.As(err, &ce) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line of an *Error", err)
			}
			return
		case err != nil:
			t.Fatalf("refused (%v); supervisord's parser reads %v", err, want)
		case pyErr != "":
			t.Fatalf("read; supervisord's parser refuses it: %s", pyErr)
		}
		got := map[string]map[string]string{"DEFAULT": values(c.defaults)}
		for _, s := range c.sections {
			got[s.Name] = values(s)
		}
		if !maps.EqualFunc(got, want, maps.Equal) {
			t.Errorf("read\n%q\nsupervisord's parser reads\n%q", got, want)
		}
	})
}
