package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// eventStream is an open GET /u/{token}/events, read in the background.
type eventStream struct {
	t    *testing.T
	resp *http.Response
	got  chan string
	seen string
}

func openStream(t *testing.T, c *http.Client, url string) *eventStream {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	s := &eventStream{t: t, resp: resp, got: make(chan string, 64)}
	if resp.StatusCode != http.StatusOK {
		return s
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				s.got <- string(buf[:n])
			}
			if err != nil {
				close(s.got)
				return
			}
		}
	}()
	return s
}

// waitFor reads the stream until what has been sent, or fails.
func (s *eventStream) waitFor(what string) {
	s.t.Helper()
	timeout := time.After(10 * time.Second)
	for !strings.Contains(s.seen, what) {
		select {
		case b, ok := <-s.got:
			if !ok {
				s.t.Fatalf("the stream ended before %s:\n%s", what, s.seen)
			}
			s.seen += b
		case <-timeout:
			s.t.Fatalf("no %s on the stream:\n%s", what, s.seen)
		}
	}
}

// waitEnd reads the stream until the server ends it, or fails.
func (s *eventStream) waitEnd() {
	s.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case b, ok := <-s.got:
			if !ok {
				return
			}
			s.seen += b
		case <-timeout:
			s.t.Fatalf("the stream did not end:\n%s", s.seen)
		}
	}
}

// TestEventStreamCaps: one job takes at most streamsPerJob streams and one
// address at most streamsPerAddr; past that the answer is 429 in words (the
// page's script then polls /status), and a closed stream frees its place.
func TestEventStreamCaps(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.browser(t)
	a, b, other := e.newJob(t, workflow.NewJobParams{}), e.newJob(t, workflow.NewJobParams{}), e.newJob(t, workflow.NewJobParams{})
	var first *eventStream
	for i := range streamsPerJob {
		s := openStream(t, c, e.url(a, "/events"))
		if s.resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d of the job: %d", i+1, s.resp.StatusCode)
		}
		if first == nil {
			first = s
		}
	}
	refused(t, openStream(t, c, e.url(a, "/events")), "too many windows")
	if status, _ := get(t, c, e.url(a, "/status")); status != http.StatusOK {
		t.Errorf("polling while the job's streams are full: %d", status)
	}

	for i := streamsPerJob; i < streamsPerAddr; i++ {
		if s := openStream(t, c, e.url(b, "/events")); s.resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d of the address: %d", i+1, s.resp.StatusCode)
		}
	}
	refused(t, openStream(t, c, e.url(other, "/events")), "updating live from your network")

	first.resp.Body.Close() // the server notices, and the place is free again
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := openStream(t, c, e.url(other, "/events"))
		if s.resp.StatusCode == http.StatusOK {
			break
		}
		s.resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("a closed stream did not free its place")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func refused(t *testing.T, s *eventStream, words string) {
	t.Helper()
	if s.resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("stream past the cap: %d, want 429", s.resp.StatusCode)
	}
	var body struct{ Error string }
	if err := json.NewDecoder(s.resp.Body).Decode(&body); err != nil || !strings.Contains(body.Error, words) {
		t.Errorf("refusal %q (%v), want words with %q", body.Error, err, words)
	}
}

// countingStore counts the job reads that open and feed event streams.
type countingStore struct {
	store.Store
	byToken, byID atomic.Int64
}

func (c *countingStore) JobByUploadToken(ctx context.Context, token string) (store.Job, error) {
	c.byToken.Add(1)
	return c.Store.JobByUploadToken(ctx, token)
}

func (c *countingStore) ListJobsByID(ctx context.Context, tenantID string, ids []string) ([]store.Job, error) {
	c.byID.Add(1)
	return c.Store.ListJobsByID(ctx, tenantID, ids)
}

// TestEventStreamsShareOneRead: many open streams cost one database read
// per tick between them, not one each; a change reaches every stream of
// its job. The hub's ticker is set far off and its ticks are made by hand,
// so that the count does not depend on time.
func TestEventStreamsShareOneRead(t *testing.T) {
	t.Parallel()
	e := setup(t)
	st := &countingStore{Store: e.st}
	w := New(Deps{Store: st, Workflow: e.flow, DataDir: t.TempDir(), PublicURL: "http://127.0.0.1"})
	w.hub.every = time.Hour
	mux := http.NewServeMux()
	w.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(w.Close)

	a, b := e.newJob(t, workflow.NewJobParams{}), e.newJob(t, workflow.NewJobParams{})
	c := e.browser(t)
	var streams []*eventStream
	for _, j := range []job.Job{a, a, a, a, a, b, b, b, b, b} {
		s := openStream(t, c, srv.URL+"/u/"+j.UploadToken+"/events")
		s.waitFor(`"view":"upload"`) // sent once the stream is subscribed
		streams = append(streams, s)
	}
	if n := st.byToken.Load(); n != 10 {
		t.Errorf("opening 10 streams read %d jobs by token, want 10", n)
	}

	e.upload(t, a)
	const ticks = 3
	for range ticks {
		w.hub.poll(t.Context())
	}
	if n := st.byID.Load(); n != ticks {
		t.Errorf("%d ticks with 10 streams on 2 jobs read the jobs %d times, want %d", ticks, n, ticks)
	}
	if n := st.byToken.Load(); n != 10 {
		t.Errorf("streams read jobs by token %d times after opening, want none", n-10)
	}
	for _, s := range streams[:5] {
		s.waitFor(`"status":"uploaded"`)
	}
}

// TestEventStreamsEndOnClose: Close (registered with the server's
// shutdown) ends open streams.
func TestEventStreamsEndOnClose(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	s := openStream(t, e.browser(t), e.url(j, "/events"))
	s.waitFor(`"view":"upload"`)
	e.web.Close()
	s.waitEnd()
}

// TestHubNeverGoesBack: a read of the jobs that began before a stream
// opened with a newer status is older than what the stream has: the page
// must not step back to it.
func TestHubNeverGoesBack(t *testing.T) {
	t.Parallel()
	h := newHub(nil, slog.New(slog.DiscardHandler), make(chan struct{}))
	newer := job.Job{ID: "ses_1", TenantID: "ten_1", Status: job.ProofGenerated, Sequence: 5}
	h.mu.Lock()
	h.running = true // no goroutine: the test publishes by hand
	h.mu.Unlock()
	s, err := h.open(newer, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	older := newer
	older.Status, older.Sequence = job.Preflighting, 3
	h.publish([]job.Job{older})
	select {
	case got := <-s.c:
		t.Fatalf("the stream was sent %s (sequence %d) after %s (sequence 5)", got.Status, got.Sequence, newer.Status)
	default:
	}
	next := newer
	next.Status, next.Sequence = job.Approved, 6
	h.publish([]job.Job{next})
	if got := <-s.c; got.Sequence != 6 {
		t.Errorf("the next status: sequence %d, want 6", got.Sequence)
	}
}
