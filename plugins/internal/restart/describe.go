package restart

import (
	"errors"
	"fmt"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/listener/rpc"
)

// Describe formats an error from a stop or start the way superlance's log
// lines and mails show it: a supervisord fault as Python prints an
// xmlrpclib.Fault, "<Fault 70: 'NOT_RUNNING: web'>", which operators' mail
// filters may match; anything else by its own text.
func Describe(err error) string {
	var f *rpc.Fault
	if errors.As(err, &f) {
		return fmt.Sprintf("<Fault %d: %s>", int(f.Code), pyfmt.Repr(f.String))
	}
	return err.Error()
}
