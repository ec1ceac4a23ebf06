package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// flagError rewrites pflag's error for a value a flag cannot take. For
// pflag's own types the cause is a parser's (`strconv.ParseInt: parsing
// "abc": invalid syntax`, `time: missing unit in duration "5"`), which
// says neither what the flag wants nor how to write it; the message
// names the flag, the value and the form to write instead. A plugin's
// own flag types already explain themselves, so their cause is kept,
// after the flag's name. Other flag errors (an unknown flag, a missing
// value) are clear as pflag words them.
func flagError(err error) error {
	var inv *pflag.InvalidValueError
	if !errors.As(err, &inv) {
		return err
	}
	f, value := inv.GetFlag(), inv.GetValue()
	name := flagName(f)
	write := func(what, example string) error {
		return fmt.Errorf("%s %q is not %s: write %s, e.g. %s %s", name, value, what, wanted(what), typed(f), example)
	}
	switch t := f.Value.Type(); t {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return write("a whole number", exampleOr(f.DefValue, "10"))
	case "intSlice", "int32Slice", "int64Slice", "uintSlice":
		return write("a whole number", "200")
	case "float32", "float64":
		return write("a number", exampleOr(f.DefValue, "1.5"))
	case "duration":
		return write("a duration", exampleOr(shortDuration(f.DefValue), "30s"))
	case "bool":
		return fmt.Errorf("%s=%q is neither true nor false: write %s alone to turn it on, or %s=false", name, value, typed(f), typed(f))
	}
	return fmt.Errorf("invalid %s: %w", name, inv.Unwrap())
}

// wanted spells out how to write a value of the kind what names.
func wanted(what string) string {
	switch what {
	case "a whole number":
		return "digits only"
	case "a number":
		return "digits with an optional decimal point"
	case "a duration":
		return "a number with its unit (ms, s, m or h)"
	}
	return what
}

// flagName renders a flag as "-t/--timeout", or "--flush-timeout" when it
// has no short form.
func flagName(f *pflag.Flag) string {
	if f.Shorthand != "" && f.ShorthandDeprecated == "" {
		return "-" + f.Shorthand + "/--" + f.Name
	}
	return "--" + f.Name
}

// typed is the flag as an example types it: its short form if it has one.
func typed(f *pflag.Flag) string {
	if f.Shorthand != "" && f.ShorthandDeprecated == "" {
		return "-" + f.Shorthand
	}
	return "--" + f.Name
}

// exampleOr returns the flag's default as an example value, or fallback
// when the default is zero.
func exampleOr(def, fallback string) string {
	switch def {
	case "", "0", "0s", "[]":
		return fallback
	}
	return def
}

// shortDuration drops the zero units Go's Duration.String leaves at the
// end: 1h0m0s is 1h, 5m0s is 5m.
func shortDuration(s string) string {
	for _, zero := range []string{"0s", "0m"} {
		if strings.HasSuffix(s, zero) && len(s) > len(zero) && !isDigit(s[len(s)-len(zero)-1]) {
			s = strings.TrimSuffix(s, zero)
		}
	}
	return s
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
