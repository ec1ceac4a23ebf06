package log

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/golance/golance/listener"
)

// MalformedEvent logs the one line every plugin writes for an event of a
// type it handles whose payload it cannot read, before acknowledging it:
// rejecting it would only have supervisord deliver the same bytes again,
// forever, and holding every later event behind it. One wording for all
// plugins, so that a search of the logs finds them all.
func MalformedEvent(l *slog.Logger, ev listener.Event, err error) {
	what := err.Error()
	var pe *listener.PayloadError
	if errors.As(err, &pe) {
		p := pe.Payload
		if len(p) > 200 {
			p = p[:200] + "..."
		}
		what = fmt.Sprintf("%s, in payload %q", pe.Reason, p)
	}
	Or(l).Warn(fmt.Sprintf("ignoring a malformed %s event (serial %d): %s; acknowledged unhandled, as supervisord would only send it again the same way",
		ev.EventName, ev.Serial, what))
}
