package pyfmt

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format returns format % vars as CPython computes it for a dict, which is
// how supervisord expands %(name)s in its configuration: %(name)s and the
// other conversions (s r a c d i u o x X e E f F g G, with the flags - + #
// 0 and space, a width, a precision and an ignored h, l or L) take the
// named value; %% is a percent sign. A value is a string or an integer
// (int or int64). The error is Python's exception for the same call, a
// *Error: a KeyError for a name vars lacks, a ValueError or TypeError for
// a bad format, in the order Python finds them.
//
// One case differs on purpose: a conversion without a (name), which
// Python fills with the whole mapping ("%s" gives "{'here': ...}"), is a
// ValueError here; in supervisord's configuration it is always a % meant
// literally and written without doubling it.
func Format(format string, vars map[string]any) (string, error) {
	if strings.IndexByte(format, '%') < 0 {
		return format, nil
	}
	f := formatter{fmt: []rune(format), vars: vars}
	return f.run()
}

type formatter struct {
	fmt  []rune
	pos  int
	vars map[string]any
	out  strings.Builder
	// arg is what the next conversion or * takes, as in CPython's
	// formatter: the mapping itself at first, then the value of the last
	// %(name); used is set once something took it.
	arg  any
	used bool
}

// mapping stands for the mapping as an argument, which only a conversion
// without a (name), or a *, takes.
type mapping struct{}

// spec is one conversion: %(key)<flags><width>.<prec><conv>.
type spec struct {
	minus, plus, space, alt, zero bool
	width, prec                   int // -1 when absent
	conv                          rune
	index                         int // of conv in the format, for messages
}

func (f *formatter) run() (string, error) {
	f.arg = mapping{}
	for f.pos < len(f.fmt) {
		c := f.fmt[f.pos]
		f.pos++
		if c != '%' {
			f.out.WriteRune(c)
			continue
		}
		if f.pos < len(f.fmt) && f.fmt[f.pos] == '%' {
			f.pos++
			f.out.WriteByte('%')
			continue
		}
		if err := f.conversion(); err != nil {
			return "", err
		}
	}
	return f.out.String(), nil
}

// next returns the next rune of the format, or -1 at its end.
func (f *formatter) next() rune {
	f.pos++
	if f.pos > len(f.fmt) {
		return -1
	}
	return f.fmt[f.pos-1]
}

// take returns the argument, once.
func (f *formatter) take() (any, error) {
	if f.used {
		return nil, typeError("not enough arguments for format string")
	}
	f.used = true
	return f.arg, nil
}

func valueError(msg string) error { return &Error{Type: "ValueError", Msg: msg} }
func typeError(msg string) error  { return &Error{Type: "TypeError", Msg: msg} }

func (f *formatter) conversion() error {
	if f.pos < len(f.fmt) && f.fmt[f.pos] == '(' {
		depth, start := 1, f.pos+1
		f.pos++
		for depth > 0 && f.pos < len(f.fmt) {
			switch f.fmt[f.pos] {
			case ')':
				depth--
			case '(':
				depth++
			}
			f.pos++
		}
		if depth > 0 {
			return valueError("incomplete format key")
		}
		key := string(f.fmt[start : f.pos-1])
		val, ok := f.vars[key]
		if !ok {
			return &Error{Type: "KeyError", Msg: Repr(key), Key: key}
		}
		f.arg, f.used = val, false
	}
	sp := spec{width: -1, prec: -1}
	c := f.next()
flags:
	for {
		switch c {
		case '-':
			sp.minus = true
		case '+':
			sp.plus = true
		case ' ':
			sp.space = true
		case '#':
			sp.alt = true
		case '0':
			sp.zero = true
		default:
			break flags
		}
		c = f.next()
	}
	var err error
	switch {
	case c == '*':
		if sp.width, err = f.star(math.MinInt64, math.MaxInt64, "ssize_t"); err != nil {
			return err
		}
		if sp.width < 0 {
			sp.minus, sp.width = true, -sp.width
		}
		c = f.next()
	case c >= '0' && c <= '9':
		if sp.width, c, err = f.digits(c, "width too big"); err != nil {
			return err
		}
	}
	if c == '.' {
		sp.prec = 0
		c = f.next()
		switch {
		case c == '*':
			if sp.prec, err = f.star(math.MinInt32, math.MaxInt32, "int"); err != nil {
				return err
			}
			sp.prec = max(sp.prec, 0)
			c = f.next()
		case c >= '0' && c <= '9':
			if sp.prec, c, err = f.digits(c, "precision too big"); err != nil {
				return err
			}
		}
	}
	if c == 'h' || c == 'l' || c == 'L' {
		c = f.next()
	}
	if c < 0 {
		return valueError("incomplete format")
	}
	sp.conv, sp.index = c, f.pos-1
	v, err := f.take()
	if err != nil {
		return err
	}
	return f.format(sp, v)
}

// star reads the argument a * takes: a C ssize_t for a width, an int for
// a precision.
func (f *formatter) star(lo, hi int64, cType string) (int, error) {
	v, err := f.take()
	if err != nil {
		return 0, err
	}
	n, ok := toInt64(v)
	switch {
	case !ok:
		return 0, typeError("* wants int")
	case n < lo || n > hi:
		return 0, &Error{Type: "OverflowError", Msg: "Python int too large to convert to C " + cType}
	}
	return int(n), nil
}

// digits reads a width or a precision whose first digit is c.
func (f *formatter) digits(c rune, tooBig string) (int, rune, error) {
	n := 0
	for ; c >= '0' && c <= '9'; c = f.next() {
		d := int(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, c, valueError(tooBig)
		}
		n = n*10 + d
	}
	return n, c, nil
}

// maxPad bounds widths and precisions: Python would try to build a string
// that long and fail with a MemoryError.
const maxPad = 1 << 26

func (f *formatter) format(sp spec, v any) error {
	if sp.width > maxPad || sp.prec > maxPad {
		return &Error{Type: "MemoryError", Msg: ""}
	}
	n, isInt := toInt64(v)
	s, isStr := v.(string)
	_, isMapping := v.(mapping)
	typeName := "str"
	switch {
	case isInt:
		typeName = "int"
	case isMapping:
		typeName = "dict"
	case !isStr:
		return typeError(fmt.Sprintf("pyfmt: %T is neither a string nor an integer", v))
	}
	switch sp.conv {
	case 's', 'r', 'a':
		text := s
		switch {
		case isMapping:
			return valueError(fmt.Sprintf("%%%c at index %d has no (name), so Python would format the whole mapping: write %%%% for a percent sign", sp.conv, sp.index))
		case isInt:
			text = strconv.FormatInt(n, 10)
		case sp.conv == 'r':
			text = Repr(s)
		case sp.conv == 'a':
			text = ASCII(s)
		}
		if sp.prec >= 0 {
			text = truncate(text, sp.prec)
		}
		f.pad(sp, "", text, false)
	case 'c':
		switch {
		case isInt && (n < 0 || n > utf8.MaxRune):
			return &Error{Type: "OverflowError", Msg: "%c arg not in range(0x110000)"}
		case isInt:
			f.pad(sp, "", string(rune(n)), false)
		case isStr && utf8.RuneCountInString(s) == 1:
			f.pad(sp, "", s, false)
		default:
			return typeError("%c requires int or char")
		}
	case 'd', 'i', 'u', 'o', 'x', 'X':
		if !isInt {
			kind := "a real number"
			if sp.conv == 'o' || sp.conv == 'x' || sp.conv == 'X' {
				kind = "an integer"
			}
			return typeError(fmt.Sprintf("%%%c format: %s is required, not %s", sp.conv, kind, typeName))
		}
		f.integer(sp, n)
	case 'e', 'E', 'f', 'F', 'g', 'G':
		if !isInt {
			return typeError("must be real number, not " + typeName)
		}
		f.float(sp, float64(n))
	default:
		shown := '?'
		if sp.conv >= 31 && sp.conv <= 126 {
			shown = sp.conv
		}
		return valueError(fmt.Sprintf("unsupported format character '%c' (0x%x) at index %d", shown, sp.conv, sp.index))
	}
	return nil
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

func (f *formatter) integer(sp spec, n int64) {
	sign := f.sign(sp, n < 0)
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	var digits string
	switch sp.conv {
	case 'o':
		digits = strconv.FormatUint(u, 8)
	case 'x', 'X':
		digits = strconv.FormatUint(u, 16)
	default:
		digits = strconv.FormatUint(u, 10)
	}
	if sp.alt && (sp.conv == 'o' || sp.conv == 'x' || sp.conv == 'X') {
		sign += "0" + string(sp.conv|0x20)
	}
	if sp.conv == 'X' {
		digits = strings.ToUpper(digits)
		sign = strings.ToUpper(sign)
	}
	if len(digits) < sp.prec {
		digits = strings.Repeat("0", sp.prec-len(digits)) + digits
	}
	f.pad(sp, sign, digits, true)
}

func (f *formatter) float(sp spec, x float64) {
	sign := f.sign(sp, x < 0)
	x = math.Abs(x)
	prec := sp.prec
	if prec < 0 {
		prec = 6
	}
	conv := byte(sp.conv | 0x20) // e, f or g
	var digits string
	switch conv {
	case 'e', 'f':
		digits = strconv.FormatFloat(x, conv, prec, 64)
		if sp.alt && prec == 0 {
			digits = strings.Replace(digits, "e", ".e", 1)
			if conv == 'f' {
				digits += "."
			}
		}
	case 'g':
		if prec == 0 {
			prec = 1
		}
		// %g is %e when the exponent %e would show is below -4 or not
		// below the precision, else %f; without # trailing zeros go.
		e := strconv.FormatFloat(x, 'e', prec-1, 64)
		exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
		if exp < -4 || exp >= prec {
			digits = e
		} else {
			digits = strconv.FormatFloat(x, 'f', prec-1-exp, 64)
		}
		mant, expPart, _ := strings.Cut(digits, "e")
		if expPart != "" {
			expPart = "e" + expPart
		}
		switch {
		case !sp.alt && strings.Contains(mant, "."):
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		case sp.alt && !strings.Contains(mant, "."):
			mant += "."
		}
		digits = mant + expPart
	}
	if sp.conv >= 'A' && sp.conv <= 'Z' {
		digits = strings.ToUpper(digits)
	}
	f.pad(sp, sign, digits, true)
}

func (f *formatter) sign(sp spec, negative bool) string {
	switch {
	case negative:
		return "-"
	case sp.plus:
		return "+"
	case sp.space:
		return " "
	}
	return ""
}

// pad writes sign and body within the width: left-justified with -,
// zero-filled after the sign with 0 for numbers, else right-justified.
func (f *formatter) pad(sp spec, sign, body string, numeric bool) {
	fill := sp.width - utf8.RuneCountInString(sign) - utf8.RuneCountInString(body)
	switch {
	case fill <= 0:
		f.out.WriteString(sign)
		f.out.WriteString(body)
	case sp.minus:
		f.out.WriteString(sign)
		f.out.WriteString(body)
		f.out.WriteString(strings.Repeat(" ", fill))
	case sp.zero && numeric:
		f.out.WriteString(sign)
		f.out.WriteString(strings.Repeat("0", fill))
		f.out.WriteString(body)
	default:
		f.out.WriteString(strings.Repeat(" ", fill))
		f.out.WriteString(sign)
		f.out.WriteString(body)
	}
}
