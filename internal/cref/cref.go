// Package cref builds the C reference listeners that golance's benchmarks
// measure Go listeners against: the least a correct listener written in C
// does for the same work, so that a benchmark reports a ratio to the
// physical limit rather than a bare figure.
//
//	c/listener.c  one read and one write per event (internal/bench, make bench)
//	c/memmon.c    memmon -a -c's quiet tick: a statm read per process, the
//	              answer, then the RSS lines in one write (memmon's tick
//	              benchmark under the real supervisord)
//
// Build compiles one with the system's compiler ($CC, else cc).
package cref

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// sources are the listeners' C files; memmon.c includes listener.c.
//
//go:embed c/*.c
var sources embed.FS

// ErrNoCompiler says that a reference cannot be built here.
var ErrNoCompiler = errors.New("no C compiler")

// Build compiles the reference name ("listener", "memmon") into dir with
// the system's compiler ($CC, else cc) and returns the binary's path.
func Build(dir, name string) (string, error) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		return "", fmt.Errorf("%w: %s is not on PATH", ErrNoCompiler, cc)
	}
	src := name + ".c"
	if _, err := sources.Open("c/" + src); err != nil {
		return "", fmt.Errorf("cref: no reference named %q", name)
	}
	files, err := sources.ReadDir("c")
	if err != nil {
		return "", err
	}
	for _, f := range files {
		b, err := sources.ReadFile("c/" + f.Name())
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name()), b, 0o644); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(dir, name)
	cmd := exec.Command(cc, "-O2", "-o", bin, src)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s -O2 %s: %w: %s", cc, src, err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}
