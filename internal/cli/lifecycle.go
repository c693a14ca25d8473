package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// service is a background worker of serve. Stop is its soft stop: it
// takes no more work, finishes or abandons the work under way (each
// service says which), and returns when all its goroutines have. The
// context given to Start is its hard stop: when it ends, the work under
// way is cut off.
type service interface {
	Start(ctx context.Context) error
	Stop()
}

// cancelGrace is how long work cut off at the shutdown deadline has to
// return. Cut-off work returns at its next look at its context, within
// moments; a PDFium page that neither allocates nor reads is the exception
// and runs to its end (docs/pipeline.md), which serve does not wait for.
const cancelGrace = 5 * time.Second

// errStillRunning is run's error when work cut off at the deadline has
// not returned within cancelGrace.
var errStillRunning = errors.New("work still running after shutdown cut it off")

// runner runs serve's HTTP server and background services and stops them
// in order under one deadline (see stop).
type runner struct {
	srv      *http.Server
	services []service
	timeout  time.Duration // --shutdown-timeout
	log      *slog.Logger

	started  []service
	requests requests

	mu      sync.Mutex
	running []string // what has not stopped yet, for the log
}

// run starts the services and serves HTTP on ln (counting srv's requests:
// it wraps srv.Handler) until ctx ends or the server fails, and then stops
// everything. A service that fails to start and a server that fails stop
// the others the same way, and run returns their error. Once run has
// returned, nothing it ran uses the renderer or the database any more,
// unless its error is errStillRunning: then serve leaves them open (see
// closeLast).
func (r *runner) run(ctx context.Context, ln net.Listener) error {
	// The services' context ends only to cut their work off: they stop
	// after the HTTP server has drained, so requests in flight can still
	// hand them work.
	bg, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	r.srv.Handler = r.requests.track(r.srv.Handler)
	err := r.start(bg)
	if err == nil {
		err = r.serve(ctx, ln)
	} else {
		ln.Close()
	}
	r.log.Info("shutting down: finishing requests and work in flight", slog.Duration("timeout", r.timeout))
	if serr := r.stop(cut); serr != nil {
		return errors.Join(err, serr)
	}
	r.log.Info("stopped")
	return err
}

// start starts the services in order, up to the first that fails.
func (r *runner) start(ctx context.Context) error {
	for _, s := range r.services {
		if err := s.Start(ctx); err != nil {
			return fmt.Errorf("start %T: %w", s, err)
		}
		r.started = append(r.started, s)
	}
	return nil
}

// serve serves HTTP until ctx ends (nil) or the server fails.
func (r *runner) serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- r.srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
		return nil
	}
}

// stop stops everything in order under one deadline, --shutdown-timeout:
// the HTTP server stops accepting connections and finishes its requests,
// then the services stop, all at once. At the deadline the connections of
// the requests still running are closed, which ends their contexts, and
// cut ends the services' context; what was cut off is waited for, up to
// cancelGrace more.
func (r *runner) stop(cut context.CancelFunc) error {
	deadline, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		r.stopHTTP(deadline)
		r.stopServices()
	}()
	select {
	case <-stopped:
		return nil
	case <-deadline.Done():
	}
	r.log.Warn("shutdown timeout passed: cutting off what still runs", slog.Any("running", r.stillRunning()))
	cut()
	select {
	case <-stopped:
		return nil
	case <-time.After(cancelGrace):
		return fmt.Errorf("%w: %v", errStillRunning, r.stillRunning())
	}
}

// stopHTTP stops the server and waits for its requests; past the deadline
// it closes their connections and waits still, since they may be writing
// to the database.
func (r *runner) stopHTTP(deadline context.Context) {
	r.setRunning("HTTP requests")
	if err := r.srv.Shutdown(deadline); err != nil {
		r.srv.Close()
	}
	r.requests.wait()
	r.done("HTTP requests")
}

// stopServices stops the services started, all at once so that they
// share the deadline, and returns when each Stop has.
func (r *runner) stopServices() {
	names := make([]string, len(r.started))
	for i, s := range r.started {
		names[i] = fmt.Sprintf("%T", s)
	}
	r.setRunning(names...)
	var wg sync.WaitGroup
	for i, s := range r.started {
		wg.Go(func() {
			s.Stop()
			r.done(names[i])
		})
	}
	wg.Wait()
}

func (r *runner) setRunning(names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = slices.Clone(names) // done deletes from it
}

func (r *runner) done(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.Index(r.running, name); i >= 0 {
		r.running = slices.Delete(r.running, i, i+1)
	}
}

func (r *runner) stillRunning() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.running)
}

// requests counts the handlers running. http.Server.Close, unlike
// Shutdown, does not wait for them.
type requests struct {
	mu      sync.Mutex
	closing bool
	running sync.WaitGroup
}

// track counts h's requests. One that comes after wait has begun, on a
// connection not yet closed, is refused.
func (q *requests) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		q.mu.Lock()
		if q.closing {
			q.mu.Unlock()
			w.Header().Set("Connection", "close")
			http.Error(w, "Submit is shutting down: try again in a moment.", http.StatusServiceUnavailable)
			return
		}
		q.running.Add(1)
		q.mu.Unlock()
		defer q.running.Done()
		h.ServeHTTP(w, req)
	})
}

// wait refuses new requests and waits for the running ones.
func (q *requests) wait() {
	q.mu.Lock()
	q.closing = true
	q.mu.Unlock()
	q.running.Wait()
}

// closeLast closes, when serve returns, what serve opened before run and
// run's parts use: the database, the renderer. It leaves them open when
// work cut off at shutdown still runs (errStillRunning): closing them
// under it would fail it, and the process ends anyway; its leases run out
// as after a crash.
func closeLast(err *error, closer func() error) {
	if !errors.Is(*err, errStillRunning) {
		_ = closer()
	}
}
