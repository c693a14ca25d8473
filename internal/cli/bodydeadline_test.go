package cli

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// bodyServer serves withBodyReadDeadline(h, d) on loopback, as serve
// does: a real connection, so deadlines are real.
func bodyServer(t *testing.T, d time.Duration, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(withBodyReadDeadline(h, d))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// readAll reads the body and answers how much it got, or the error.
func readAll(w http.ResponseWriter, r *http.Request) {
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		http.Error(w, fmt.Sprintf("read %d bytes: %v", n, err), http.StatusRequestTimeout)
		return
	}
	fmt.Fprintf(w, "read %d bytes", n)
}

// dial opens a raw connection with a generous deadline that only catches
// a hang.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

// TestBodyReadDeadlineCutsStalledClient: a client that sends the headers
// of a body and then nothing loses its connection after one read's
// timeout, instead of holding it for good.
func TestBodyReadDeadlineCutsStalledClient(t *testing.T) {
	t.Parallel()
	addr := bodyServer(t, 100*time.Millisecond, readAll)
	c := dial(t, addr)
	fmt.Fprint(c, "POST /upload HTTP/1.1\r\nHost: submit\r\nContent-Length: 1000\r\n\r\nonly this")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body (the connection is held): %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), "timeout") {
		t.Errorf("stalled body: %d %q, want the handler's read to time out", resp.StatusCode, b)
	}
}

// TestBodyReadDeadlineKeepsSteadyUpload: a body that arrives slowly but
// steadily, for longer than the timeout, is read whole: the timeout
// bounds each read, not the body. The timeout is far above the 10 ms
// between writes, so that a busy machine's stalls do not reach it.
func TestBodyReadDeadlineKeepsSteadyUpload(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	addr := bodyServer(t, timeout, readAll)
	c := dial(t, addr)
	fmt.Fprint(c, "PATCH /upload HTTP/1.1\r\nHost: submit\r\nTransfer-Encoding: chunked\r\n\r\n")
	sent := 0
	for start := time.Now(); time.Since(start) < timeout+500*time.Millisecond; sent += 10 {
		if _, err := fmt.Fprint(c, "a\r\n0123456789\r\n"); err != nil {
			t.Fatalf("after %d bytes: %v", sent, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprint(c, "0\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if want := fmt.Sprintf("read %d bytes", sent); resp.StatusCode != 200 || string(b) != want {
		t.Errorf("steady upload: %d %q, want %q", resp.StatusCode, b, want)
	}
}

// TestBodyReadDeadlineSparesWorkAfterBody: once the body is read, or when
// there is none, no deadline is left on the connection: a handler that
// works or streams for longer than the timeout keeps its request context.
func TestBodyReadDeadlineSparesWorkAfterBody(t *testing.T) {
	t.Parallel()
	const timeout = 100 * time.Millisecond
	addr := bodyServer(t, timeout, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		r.Body.Read(make([]byte, 1)) // as a decoder that checks nothing follows
		select {
		case <-r.Context().Done():
			http.Error(w, "the request was cancelled", http.StatusInternalServerError)
		case <-time.After(5 * timeout):
			fmt.Fprint(w, "done")
		}
	})
	for _, req := range []string{
		"POST /approve HTTP/1.1\r\nHost: submit\r\nContent-Length: 5\r\n\r\nhello",
		"GET /u/token/events HTTP/1.1\r\nHost: submit\r\n\r\n",
	} {
		c := dial(t, addr)
		fmt.Fprint(c, req)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %q", strings.Fields(req)[0], resp.StatusCode, b)
		}
	}
}
