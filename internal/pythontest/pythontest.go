// Package pythontest runs the Python that supervisord runs, so that tests
// can compare golance with supervisord's own code on the same input: the
// supervisor module's parser, CPython's repr, % and int().
//
// Debian's supervisord 4.2.5 runs /usr/bin/python3 (CPython 3.11); a
// python3 earlier on PATH (pyenv, a virtualenv) usually cannot import
// supervisor and may be another version, so it is never used.
package pythontest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
)

// Path is the interpreter of Debian's supervisord.
const Path = "/usr/bin/python3"

// Require returns Path once it runs and imports modules. Otherwise it
// skips the test, or fails it under CI=true, where supervisor must be
// installed.
func Require(t testing.TB, modules ...string) string {
	t.Helper()
	code := "import sys\nassert sys.version_info[:2] == (3, 11), sys.version\n"
	for _, m := range modules {
		code += "import " + m + "\n"
	}
	if out, err := exec.Command(Path, "-c", code).CombinedOutput(); err != nil {
		msg := Path + " with the supervisor module (apt-get install supervisor) is needed: " + err.Error() + "\n" + string(out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return Path
}

// JSON runs the Python script at path with args, writes in to its stdin
// as JSON and decodes its stdout, JSON too, into out. env, if not nil,
// replaces the environment.
func JSON(t testing.TB, path string, args []string, env []string, in, out any) {
	t.Helper()
	input, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Path, append([]string{path}, args...)...)
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	output, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", Path, path, err, stderr.String())
	}
	if err := json.Unmarshal(output, out); err != nil {
		t.Fatalf("%s %s printed what is not JSON: %v\n%.500s", Path, path, err, output)
	}
}
