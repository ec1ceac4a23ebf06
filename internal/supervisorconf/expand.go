package supervisorconf

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/golance/golance/internal/pyfmt"
)

// Expand is supervisord's expand: s % expansions, as Python computes it
// (see pyfmt.Format), for the option called name ("program:web.command").
// A name that is not there, or a bad format, is an error that says what
// supervisord offers, wrapping Python's exception (a *pyfmt.Error).
func Expand(s string, expansions map[string]any, name string) (string, error) {
	out, err := pyfmt.Format(s, expansions)
	if err == nil {
		return out, nil
	}
	var pe *pyfmt.Error
	if errors.As(err, &pe) && pe.Type == "KeyError" {
		return "", &Error{Problem: fmt.Sprintf("%%(%s) cannot be expanded", pe.Key),
			Fix: "supervisord offers " + available(expansions) + " here", Err: err}
	}
	return "", &Error{Problem: "badly formatted: " + err.Error(), Fix: "write %% for a percent sign", Err: err}
}

// available lists the names of expansions, ENV_ ones summed up.
func available(expansions map[string]any) string {
	var names []string
	env := false
	for k := range expansions {
		if strings.HasPrefix(k, "ENV_") {
			env = true
			continue
		}
		names = append(names, "%("+k+")")
	}
	slices.Sort(names)
	if env {
		names = append(names, "%(ENV_X) for each variable X of its environment")
	}
	if len(names) == 0 {
		return "no name"
	}
	return strings.Join(names, ", ")
}
