package orderedstartup

import (
	"fmt"
	"strings"
)

// failurePolicy says what becomes of the programs waiting for one that failed:
// it went FATAL, exited with an unexpected code while they waited for
// EXITED, could not be started, or did not get there in time.
type failurePolicy int

const (
	// policyStop leaves the programs waiting: they start only if the failed
	// program gets where they wait for it after all (once someone fixes
	// and restarts it).
	policyStop failurePolicy = iota
	// policyContinue starts them as if the failed program had got there.
	policyContinue
)

// String returns the policy's --on-failure spelling.
func (p failurePolicy) String() string {
	if p == policyContinue {
		return "continue"
	}
	return "stop"
}

// parsePolicy reads an --on-failure value.
func parsePolicy(s string) (failurePolicy, error) {
	switch strings.ToLower(s) {
	case "stop":
		return policyStop, nil
	case "continue":
		return policyContinue, nil
	}
	return policyStop, fmt.Errorf("--on-failure=%s: write stop or continue", s)
}
