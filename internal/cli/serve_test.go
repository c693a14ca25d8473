package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// serveBound bounds how long a test waits for serve to answer or to stop.
// It catches a hang and times nothing: start-up compiles PDFium, which
// takes seconds, more under -race or on a loaded machine. A serve that
// exits early fails the test at once, whatever the bound.
const serveBound = 3 * time.Minute

// served is serve running in-process, as startServe starts it.
type served struct {
	base      string // http://SUBMIT_ADDR
	out, errb syncBuffer
	cancel    context.CancelFunc
	exited    chan struct{} // closed when Main returns
	code      int           // Main's exit code, once exited is closed
}

// startServe runs serve with the given environment variables until stop
// or the end of the test.
func startServe(t *testing.T, env map[string]string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{base: "http://" + env["SUBMIT_ADDR"], cancel: cancel, exited: make(chan struct{})}
	go func() {
		defer close(s.exited)
		s.code = Main(ctx, []string{"serve"}, Env{Stdout: &s.out, Stderr: &s.errb, Getenv: func(k string) string { return env[k] }})
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

// stop cancels serve's context, as SIGTERM would, and returns its exit
// code.
func (s *served) stop() (int, error) {
	s.cancel()
	select {
	case <-s.exited:
		return s.code, nil
	case <-time.After(serveBound):
		return 0, fmt.Errorf("serve did not stop; logs:\n%s", s.errb.String())
	}
}

// await polls path until it answers with a status that want accepts, and
// returns that answer. It returns an error as soon as serve exits, and
// when nothing answers within serveBound.
func (s *served) await(path string, want func(status int) bool) (status int, body string, err error) {
	bound := time.After(serveBound)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if res, err := http.Get(s.base + path); err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if want(res.StatusCode) {
				return res.StatusCode, string(b), nil
			}
		}
		select {
		case <-s.exited:
			return 0, "", fmt.Errorf("serve exited %d before %s answered; logs:\n%s", s.code, path, s.errb.String())
		case <-bound:
			return 0, "", fmt.Errorf("%s did not answer within %v; logs:\n%s", path, serveBound, s.errb.String())
		case <-tick.C:
		}
	}
}

// ready waits until /readyz answers 200.
func (s *served) ready(t *testing.T) {
	t.Helper()
	if _, _, err := s.await("/readyz", func(status int) bool { return status == http.StatusOK }); err != nil {
		t.Fatal(err)
	}
}

// TestServeExitBeforeReady: when serve exits before it is ready, here
// because another server holds its address, the wait for /readyz ends at
// once with serve's exit code and logs, not after serveBound.
func TestServeExitBeforeReady(t *testing.T) {
	t.Parallel()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer other.Close()
	s := startServe(t, map[string]string{
		"SUBMIT_DATA_DIR": t.TempDir(), "SUBMIT_ADDR": other.Listener.Addr().String(), "SUBMIT_LOG_LEVEL": "warn",
	})
	_, _, err := s.await("/readyz", func(status int) bool { return status == http.StatusOK })
	if err == nil || !strings.Contains(err.Error(), "serve exited 1") {
		t.Errorf("await = %v, want serve's exit", err)
	}
}
