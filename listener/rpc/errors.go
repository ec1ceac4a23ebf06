package rpc

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrNoServerURL is returned by FromEnv when SUPERVISOR_SERVER_URL is not
// set, which means the program was not started by supervisord or
// supervisord has no HTTP server to offer.
var ErrNoServerURL = errors.New("SUPERVISOR_SERVER_URL is not set: run this program from a supervisord " +
	"[eventlistener:x] section, with [unix_http_server] (or [inet_http_server]) and [rpcinterface:supervisor] " +
	"configured in supervisord.conf; to run it by hand, set SUPERVISOR_SERVER_URL=unix:///path/to/supervisor.sock")

// ErrBadServerURL is returned for a server URL that is neither
// unix:///path nor http://host[:port].
var ErrBadServerURL = errors.New("supervisord server URL must look like unix:///path/to/supervisor.sock or http://host:port")

// ErrUnauthorized is matched (errors.Is) by the error for an HTTP 401
// answer: supervisord's HTTP server has a username and password and the
// client sent none or the wrong ones.
var ErrUnauthorized = errors.New("supervisord rejected the credentials")

// ErrBadResponse is matched (errors.Is) by the error for a reply that is
// not a well-formed XML-RPC response of the expected shape.
var ErrBadResponse = errors.New("malformed XML-RPC response")

// StatusError is returned when supervisord answers with an HTTP status
// other than 200 OK.
type StatusError struct {
	Method     string // the XML-RPC method called
	URL        string // the server URL the client was built with
	StatusCode int    // for example 401
	Status     string // the status line, for example "401 Unauthorized"
	// Username is the user name the client logged in as; "" when it sent
	// no credentials, which is what a 401 then means.
	Username string
}

// Error explains the status and what usually causes it, in one line short
// enough to read in a log.
func (e *StatusError) Error() string {
	prefix := fmt.Sprintf("%s: %s answered HTTP %s", e.Method, e.URL, e.Status)
	switch e.StatusCode {
	case http.StatusUnauthorized:
		if e.Username != "" {
			return prefix + fmt.Sprintf(": user %q or its password is wrong; SUPERVISOR_USERNAME and "+
				"SUPERVISOR_PASSWORD must match the server section's username= and password=", e.Username)
		}
		// supervisord does not pass its credentials to its children: an
		// environment= line must.
		return prefix + ": it needs a login; set SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD in the listener's environment="
	case http.StatusInternalServerError:
		return prefix + ": supervisord raised an exception while handling the call (its main log has the " +
			"traceback); reading a log that holds invalid UTF-8 is a known cause"
	case http.StatusBadRequest:
		return prefix + ": supervisord could not parse the request"
	case http.StatusNotFound:
		return prefix + ": this is not supervisord's XML-RPC endpoint (check SUPERVISOR_SERVER_URL)"
	}
	return prefix
}

// Unwrap returns ErrUnauthorized for HTTP 401, so that
// errors.Is(err, ErrUnauthorized) works, and nil otherwise.
func (e *StatusError) Unwrap() error {
	if e.StatusCode == http.StatusUnauthorized {
		return ErrUnauthorized
	}
	return nil
}
