package main

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:embed c/listener.c
var referenceSource []byte

// errNoCompiler says that the C reference cannot be built here.
var errNoCompiler = errors.New("no C compiler")

// buildReference compiles the C reference listener into dir with the
// system's compiler ($CC, else cc) and returns the binary's path.
func buildReference(dir string) (string, error) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		return "", fmt.Errorf("%w: %s is not on PATH", errNoCompiler, cc)
	}
	src := filepath.Join(dir, "listener.c")
	bin := filepath.Join(dir, "reference")
	if err := os.WriteFile(src, referenceSource, 0o644); err != nil {
		return "", err
	}
	out, err := exec.Command(cc, "-O2", "-o", bin, src).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s -O2 listener.c: %w: %s", cc, err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}
