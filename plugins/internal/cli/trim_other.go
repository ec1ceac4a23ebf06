//go:build !linux

package cli

import "runtime/debug"

// trimResident gives the heap garbage of start-up back to the system; see
// trim_linux.go for what Linux also gives back.
func trimResident() { debug.FreeOSMemory() }
