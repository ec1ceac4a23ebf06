//go:build !linux

package cli

// dropExecutable gives back the executable's pages on Linux only; see
// trim_linux.go.
func dropExecutable() {}
