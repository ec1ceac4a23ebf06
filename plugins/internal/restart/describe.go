package restart

import (
	"errors"
	"fmt"
	"strings"

	"github.com/golance/golance/listener/rpc"
)

// Describe formats an error from a stop or start the way superlance's log
// lines and mails show it: a supervisord fault as Python prints an
// xmlrpclib.Fault, "<Fault 70: 'NOT_RUNNING: web'>", which operators' mail
// filters may match; anything else by its own text.
func Describe(err error) string {
	var f *rpc.Fault
	if errors.As(err, &f) {
		return fmt.Sprintf("<Fault %d: %s>", int(f.Code), pyRepr(f.String))
	}
	return err.Error()
}

// pyRepr quotes s as Python's repr of a str does for printable text: in
// single quotes, or double quotes when s holds a single quote and no double
// one.
func pyRepr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	var b strings.Builder
	b.WriteString(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case string(r) == q:
			b.WriteString(`\` + q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(q)
	return b.String()
}
