package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/config"
	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

// probe is a background service that notes its Start and Stop. Its Stop
// runs work, given Start's context, before it returns.
type probe struct {
	startErr error
	work     func(ctx context.Context)

	mu               sync.Mutex
	ctx              context.Context
	started, stopped bool
}

func (p *probe) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ctx, p.started = ctx, p.startErr == nil
	return p.startErr
}

func (p *probe) Stop() {
	p.mu.Lock()
	ctx := p.ctx
	p.mu.Unlock()
	if p.work != nil {
		p.work(ctx)
	}
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
}

func (p *probe) state() (started, stopped bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started, p.stopped
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// runAsync runs r on ln until the test cancels; it returns the cancel and
// run's result.
func runAsync(t *testing.T, r *runner, ln net.Listener) (context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- r.run(ctx, ln) }()
	return cancel, done
}

// returned waits for run's result; the limit only catches a hang.
func returned(t *testing.T, done <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Minute):
		t.Fatalf("run did not return: %s", what)
		return nil
	}
}

var discard = slog.New(slog.DiscardHandler)

// TestStartFailureStopsTheStarted: when a service fails to start, run
// returns its error after stopping the services started before it, and
// serves nothing.
func TestStartFailureStopsTheStarted(t *testing.T) {
	t.Parallel()
	first, second, broken, never := &probe{}, &probe{}, &probe{startErr: errors.New("no disk")}, &probe{}
	ln := listen(t)
	r := &runner{srv: &http.Server{Handler: http.NotFoundHandler()}, services: []service{first, second, broken, never}, timeout: time.Minute, log: discard}
	_, done := runAsync(t, r, ln)
	err := returned(t, done, "a service failed to start")
	if err == nil || !strings.Contains(err.Error(), "no disk") {
		t.Errorf("run = %v, want the start failure", err)
	}
	for i, p := range []*probe{first, second} {
		if started, stopped := p.state(); !started || !stopped {
			t.Errorf("service %d started before the failure: started %v, stopped %v; want both", i+1, started, stopped)
		}
	}
	if started, _ := never.state(); started {
		t.Error("a service after the failing one was started")
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("the listener still accepts connections after run returned")
	}
}

// TestDeadlineCutsServicesOff: a service whose Stop waits for work that
// ends only with its Start context (a callback attempt to a receiver
// that never answers) is cut off once --shutdown-timeout has passed.
func TestDeadlineCutsServicesOff(t *testing.T) {
	t.Parallel()
	var cut atomic.Bool
	slow := &probe{work: func(ctx context.Context) { <-ctx.Done(); cut.Store(true) }}
	r := &runner{srv: &http.Server{Handler: http.NotFoundHandler()}, services: []service{slow}, timeout: 100 * time.Millisecond, log: discard}
	cancel, done := runAsync(t, r, listen(t))
	cancel()
	if err := returned(t, done, "the deadline did not cut the work off"); err != nil {
		t.Errorf("run = %v", err)
	}
	if !cut.Load() {
		t.Error("run returned before the service's work")
	}
}

// TestDeadlineWaitsForRequestsCut: past the deadline the connections of
// requests still running are closed, which ends their contexts, and run
// returns only once their handlers have: they may still write to the
// database, which serve closes next.
func TestDeadlineWaitsForRequestsCut(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	var finished atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
		// Still busy a moment, as a handler that records what it did;
		// this widens the window, it does not measure anything.
		time.Sleep(100 * time.Millisecond)
		finished.Store(true)
	})
	ln := listen(t)
	r := &runner{srv: &http.Server{Handler: h}, timeout: 100 * time.Millisecond, log: discard}
	cancel, done := runAsync(t, r, ln)
	reqCtx, stopClient := context.WithCancel(context.Background())
	t.Cleanup(stopClient)
	go func() {
		req, _ := http.NewRequestWithContext(reqCtx, "GET", "http://"+ln.Addr().String()+"/slow", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	<-entered
	cancel()
	if err := returned(t, done, "a request was never cut off"); err != nil {
		t.Errorf("run = %v", err)
	}
	if !finished.Load() {
		t.Error("run returned while a request it cut off still ran")
	}
}

// TestWorkThatIgnoresTheCut: work that does not return once cut off (a
// PDFium page that neither allocates nor reads) is not waited for beyond
// the grace: run says what still runs, and serve leaves the renderer and
// the database open rather than closing them under it.
func TestWorkThatIgnoresTheCut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stuck := &probe{work: func(context.Context) { <-release }}
	r := &runner{srv: &http.Server{Handler: http.NotFoundHandler()}, services: []service{stuck}, timeout: 100 * time.Millisecond, log: discard}
	cancel, done := runAsync(t, r, listen(t))
	cancel()
	err := returned(t, done, "stuck work was waited for without end")
	if !errors.Is(err, errStillRunning) || !strings.Contains(err.Error(), "probe") {
		t.Errorf("run = %v, want errStillRunning naming the service", err)
	}
	closed := false
	closeLast(&err, func() error { closed = true; return nil })
	if closed {
		t.Error("closeLast closed what stuck work may still use")
	}
}

// reportReads signals when the proof step reads the preflight report,
// just before it renders.
type reportReads struct {
	blob.Store
	read chan struct{}
}

func (b *reportReads) Open(ctx context.Context, key string) (blob.File, error) {
	if strings.HasSuffix(key, "/preflight.json") {
		select {
		case b.read <- struct{}{}:
		default:
		}
	}
	return b.Store.Open(ctx, key)
}

// serveConfig is serve's configuration with its defaults and the data
// directory dir.
func serveConfig(t *testing.T, dir string) *config.Config {
	t.Helper()
	var cfg config.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.ServeFlags(fs)
	if err := config.Parse(fs, []string{"--data-dir", dir}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	return &cfg
}

// TestHTTPFailureWithRenderInFlight: the HTTP server fails while the
// pipeline renders a proof with the real renderer on SQLite. run stops
// the pipeline before it returns, so closing the renderer and the
// database then, as serve does, fails nothing: the job keeps its status,
// and its lease is released for the next process.
func TestHTTPFailureWithRenderInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PDFium")
	}
	t.Parallel()
	ctx := context.Background()
	cfg := serveConfig(t, t.TempDir())
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	art, err := newArtwork(ctx, cfg, st, log)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	blobs := &reportReads{Store: art.Blobs, read: make(chan struct{}, 1)}
	flow := &workflow.Service{Store: st, Now: time.Now, Attempts: 7, Blobs: blobs, MaxUploadBytes: 1 << 20, Lifetime: time.Hour}
	pipe, err := art.pipeline(flow, log)
	if err != nil {
		t.Fatal(err)
	}
	flow.Wake = pipe.Notify
	tn, _, err := vault.New(st).EnsureTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	j := flow.NewJob(workflow.NewJobParams{TenantID: tn.ID, Livemode: true, ExternalID: "ORDER-1"})
	if err := flow.CreateJob(ctx, j, nil); err != nil {
		t.Fatal(err)
	}

	ln := listen(t)
	r := &runner{srv: &http.Server{Handler: http.NotFoundHandler()}, services: []service{pipe}, timeout: time.Minute, log: log}
	_, done := runAsync(t, r, ln)
	// 10^5 form draws: it passes preflight and keeps PDFium busy for a
	// second or more.
	slow := hostilepdf.NestedForms(5, 10)
	if _, err := flow.Upload(ctx, workflow.UploadParams{
		TenantID: tn.ID, JobID: j.ID, Filename: "slow.pdf", Body: bytes.NewReader(slow), Size: int64(len(slow)),
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-blobs.read:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the proof step never started; logs:\n%s", logs.String())
	}
	ln.Close() // the server fails: it cannot accept any more
	err = returned(t, done, "the server failed")
	if err == nil || !strings.Contains(err.Error(), "http server") {
		t.Errorf("run = %v, want the server's failure", err)
	}
	// Nothing of the pipeline runs any more: it has let the job go.
	got, err := st.Job(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case got.Status == job.PreflightPassed && got.WorkGaveUpAt.IsZero():
		claimed, err := st.ClaimJobWork(ctx, store.ClaimParams{Now: time.Now(), Lease: time.Minute, Limit: 1, Worker: "next"})
		if err != nil || len(claimed) != 1 {
			t.Errorf("once run has returned another process claims %v, %v; want the job, its lease released", claimed, err)
		}
	case got.Status == job.ProofGenerated: // the render may have ended first
		t.Log("the render ended before the server failed: this run did not test the release of a job under way")
	default:
		t.Errorf("after the stop the job is %s (given up: %v), want preflight_passed, the render abandoned", got.Status, !got.WorkGaveUpAt.IsZero())
	}
	// What serve does next.
	closeLast(&err, art.Close)
	closeLast(&err, st.Close)
	for _, bad := range []string{"level=ERROR", "release job", "closed"} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("the logs hold %q:\n%s", bad, logs.String())
		}
	}
}
