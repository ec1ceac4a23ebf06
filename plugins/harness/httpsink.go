package harness

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// httpSink is the built-in HTTP endpoint: every request gets 200 OK and is
// kept, as "METHOD URI", its headers and body, with the point of the
// transcript it arrived at.
type httpSink struct {
	srv  *http.Server
	ln   net.Listener
	pos  func() int
	mu   sync.Mutex
	reqs []arrival
}

func newHTTPSink(pos func() int) (*httpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &httpSink{ln: ln, pos: pos}
	k.srv = &http.Server{Handler: k, ConnContext: func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}}
	go k.srv.Serve(ln) //nolint:errcheck // ends with Close
	return k, nil
}

func (k *httpSink) url() string { return "http://" + k.ln.Addr().String() }

func (k *httpSink) close() { k.srv.Close() }

func (k *httpSink) requests() []arrival {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]arrival(nil), k.reqs...)
}

// connKey is where a request's context holds its connection.
type connKey struct{}

func (k *httpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Which listener sent it is read while its client waits for the answer.
	pid := 0
	if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
		pid = senderOf(c)
	}
	body, _ := io.ReadAll(r.Body)
	text := fmt.Sprintf("%s %s\n", r.Method, r.URL.RequestURI())
	for name, vs := range r.Header {
		for _, v := range vs {
			text += name + ": " + v + "\n"
		}
	}
	text += "\n" + string(body)
	time.Sleep(causalHold)
	k.mu.Lock()
	k.reqs = append(k.reqs, arrival{at: k.pos(), text: text, pid: pid})
	k.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
