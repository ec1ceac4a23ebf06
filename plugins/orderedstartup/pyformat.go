package orderedstartup

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrExpansion is wrapped by the errors for a value whose %(name)s
// expansions cannot be made: an unknown name or a malformed format, which
// supervisord refuses too.
var ErrExpansion = errors.New("cannot expand")

// expand formats s the way supervisord's expand does, which is Python's
// "s % mapping": %(name)s and friends are replaced by the named value,
// %% by a single %, and anything else after a % is an error. lookup
// returns a string or an int for a name.
//
// Only the mapping form exists in supervisord configurations, so a
// conversion without a (name) is refused rather than formatting the whole
// mapping as Python would.
func expand(s string, lookup func(name string) (any, bool)) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			i++
			continue
		}
		spec, n, err := parseSpec(s[i+1:])
		if err != nil {
			return "", fmt.Errorf("%w %q: %v", ErrExpansion, s, err)
		}
		i += 1 + n
		if spec.conv == '%' {
			b.WriteByte('%')
			continue
		}
		v, ok := lookup(spec.name)
		if !ok {
			return "", fmt.Errorf("%w %q: there is no %%(%s)s to expand", ErrExpansion, s, spec.name)
		}
		out, err := spec.format(v)
		if err != nil {
			return "", fmt.Errorf("%w %q: %%(%s)%c: %v", ErrExpansion, s, spec.name, spec.conv, err)
		}
		b.WriteString(out)
	}
	return b.String(), nil
}

// formatSpec is one parsed %(name)<flags><width>.<precision><conv>.
type formatSpec struct {
	name      string
	minus     bool
	zero      bool
	plus      bool
	space     bool
	alt       bool
	width     int
	precision int // -1 when absent
	conv      byte
}

// parseSpec parses the text after a % and returns the spec and how many
// bytes it used.
func parseSpec(s string) (formatSpec, int, error) {
	sp := formatSpec{precision: -1}
	i := 0
	if i < len(s) && s[i] == '%' {
		sp.conv = '%'
		return sp, 1, nil
	}
	if i >= len(s) || s[i] != '(' {
		return sp, 0, errors.New("a % must be followed by (name) or another %")
	}
	// Python allows nested parentheses in the key.
	depth := 1
	j := i + 1
	for ; j < len(s) && depth > 0; j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	if depth > 0 {
		return sp, 0, errors.New("unclosed %( in format")
	}
	sp.name = s[i+1 : j-1]
	i = j
	for ; i < len(s); i++ {
		switch s[i] {
		case '-':
			sp.minus = true
		case '0':
			sp.zero = true
		case '+':
			sp.plus = true
		case ' ':
			sp.space = true
		case '#':
			sp.alt = true
		default:
			goto width
		}
	}
width:
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > start {
		sp.width, _ = strconv.Atoi(s[start:i])
	}
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		sp.precision, _ = strconv.Atoi("0" + s[start:i])
	}
	if i < len(s) && (s[i] == 'h' || s[i] == 'l' || s[i] == 'L') {
		i++ // length modifiers are accepted and ignored, as in Python
	}
	if i >= len(s) {
		return sp, 0, errors.New("incomplete format")
	}
	sp.conv = s[i]
	if !strings.ContainsRune("sradiuxXoc", rune(sp.conv)) {
		return sp, 0, fmt.Errorf("unsupported format character %q", sp.conv)
	}
	return sp, i + 1, nil
}

// format renders v, a string or an int, as the spec says.
func (sp formatSpec) format(v any) (string, error) {
	var body, sign string
	numeric := false
	switch sp.conv {
	case 's', 'r', 'a':
		switch v := v.(type) {
		case string:
			body = v
			if sp.conv != 's' {
				body = pyRepr(v)
			}
		case int:
			body = strconv.Itoa(v)
		}
		if sp.precision >= 0 && utf8.RuneCountInString(body) > sp.precision {
			body = string([]rune(body)[:sp.precision])
		}
	case 'c':
		switch v := v.(type) {
		case string:
			if utf8.RuneCountInString(v) != 1 {
				return "", errors.New("%c requires an int or a single character")
			}
			body = v
		case int:
			body = string(rune(v))
		}
	default: // d i u x X o
		n, ok := v.(int)
		if !ok {
			return "", errors.New("a number is required, not a string")
		}
		numeric = true
		if n < 0 {
			sign, n = "-", -n
		} else if sp.plus {
			sign = "+"
		} else if sp.space {
			sign = " "
		}
		switch sp.conv {
		case 'x':
			body = strconv.FormatInt(int64(n), 16)
		case 'X':
			body = strings.ToUpper(strconv.FormatInt(int64(n), 16))
		case 'o':
			body = strconv.FormatInt(int64(n), 8)
		default:
			body = strconv.Itoa(n)
		}
		if sp.precision > len(body) {
			body = strings.Repeat("0", sp.precision-len(body)) + body
		}
		if sp.alt {
			switch sp.conv {
			case 'x':
				sign += "0x"
			case 'X':
				sign += "0X"
			case 'o':
				sign += "0o"
			}
		}
	}
	pad := sp.width - utf8.RuneCountInString(sign+body)
	switch {
	case pad <= 0:
		return sign + body, nil
	case sp.minus:
		return sign + body + strings.Repeat(" ", pad), nil
	case sp.zero && numeric:
		return sign + strings.Repeat("0", pad) + body, nil
	default:
		return strings.Repeat(" ", pad) + sign + body, nil
	}
}

// pyRepr quotes s as Python's repr does for plain text.
func pyRepr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`, q, `\`+q)
	return q + r.Replace(s) + q
}
