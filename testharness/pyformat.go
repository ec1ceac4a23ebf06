package testharness

import (
	"fmt"
	"strconv"
	"strings"
)

// pyFormat expands a Python %-format string with named fields, as
// supervisord expands process_name: "%(program_name)s_%(process_num)02d".
// It supports the flags - 0 + space and #, a width, a precision, and the
// conversions s, r, d, i, u, x, X and o; "%%" is a literal percent sign.
func pyFormat(format string, vars map[string]any) (string, error) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", fmt.Errorf("incomplete format in %q", format)
		}
		if format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		if format[i] != '(' {
			return "", fmt.Errorf("format %q needs named fields like %%(program_name)s", format)
		}
		end := strings.IndexByte(format[i:], ')')
		if end < 0 {
			return "", fmt.Errorf("unterminated %%( in %q", format)
		}
		key := format[i+1 : i+end]
		i += end + 1
		val, ok := vars[key]
		if !ok {
			return "", fmt.Errorf("unknown field %%(%s) in %q", key, format)
		}
		spec := "%"
		for i < len(format) && strings.IndexByte("-0+ #", format[i]) >= 0 {
			spec += string(format[i])
			i++
		}
		for i < len(format) && (format[i] >= '0' && format[i] <= '9' || format[i] == '.') {
			spec += string(format[i])
			i++
		}
		if i >= len(format) {
			return "", fmt.Errorf("incomplete format in %q", format)
		}
		switch conv := format[i]; conv {
		case 's', 'r':
			s := fmt.Sprint(val)
			if conv == 'r' {
				if _, isString := val.(string); isString {
					s = "'" + s + "'"
				}
			}
			b.WriteString(fmt.Sprintf(spec+"s", s))
		case 'd', 'i', 'u', 'x', 'X', 'o':
			n, err := toInt(val)
			if err != nil {
				return "", fmt.Errorf("%%(%s)%c needs a number: %w", key, conv, err)
			}
			verb := string(conv)
			if conv == 'i' || conv == 'u' {
				verb = "d"
			}
			if conv == 'o' && strings.Contains(spec, "#") {
				// Python's alternate octal form is 0o17, Go's is 017.
				spec = strings.ReplaceAll(spec, "#", "")
				verb = "O"
			}
			b.WriteString(fmt.Sprintf(spec+verb, n))
		default:
			return "", fmt.Errorf("unsupported conversion %%%c in %q", conv, format)
		}
	}
	return b.String(), nil
}

func toInt(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case string:
		return strconv.Atoi(n)
	}
	return 0, fmt.Errorf("%v is not a number", v)
}
