package cli

import (
	"io"
	"net/http"
	"time"
)

// bodyReadTimeout is how long one read of a request body may wait for the
// client: a client that stops sending in the middle of a body loses its
// connection after it, instead of holding it for good.
const bodyReadTimeout = 30 * time.Second

// withBodyReadDeadline bounds each read of a request body by d, not the
// body: an upload of any length goes on while bytes keep arriving, which
// http.Server.ReadTimeout (one limit for the whole request) would cut.
//
// A request without a body gets no deadline: its handler may stream for
// minutes (the customer page's events), and meanwhile the server reads
// the connection in the background to notice a client that leaves, a
// read that must not time out.
func withBodyReadDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: http.NewResponseController(w), d: d}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody moves the connection's read deadline along as a body is
// read.
type deadlineBody struct {
	io.ReadCloser
	rc *http.ResponseController
	d  time.Duration
}

// Read gives the read d to get bytes. At the end of the body it lifts the
// deadline, for the background read that then starts (see
// withBodyReadDeadline). After a timeout the deadline stays: the server
// would otherwise wait for the rest of the body before it answers. A
// writer without deadlines (only test recorders) reads without one.
func (b *deadlineBody) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(b.d))
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
