// Package pipeline moves jobs through the work between upload and proof:
// fetching the artwork URL, preflight, and proof rendering. Each step ends
// in a workflow transition, so each is an event and a callback.
//
// The work is durable. Jobs are claimed from the store under a lease that
// is renewed while a step runs; a process that dies leaves leases that run
// out, and any process then claims the job again and redoes its step from
// the stored file. Every step is idempotent: it writes the same blob keys,
// and its transition is refused (job.ErrTransition, store.ErrStale) when
// the job has meanwhile moved to a status the step cannot leave from.
// Parallelism is bounded by Config.Workers.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// Config is what a Pipeline needs. Flow (with Store and Blobs), Preflight
// and Renderer are required.
type Config struct {
	Flow      *workflow.Service
	Preflight *preflight.Engine
	Renderer  *proof.Renderer
	// Client fetches artwork URLs: the SSRF-safe netguard client, with a
	// timeout long enough for a large download.
	Client *http.Client
	// Workers bounds how many jobs are worked on at once. Default 4: twice
	// the renderer's instances, so that proofs waiting for one (a heavy
	// file waits for the one instance heavy files may use) do not stop
	// other uploads from being preflighted and proofed.
	Workers int
	// Lease is how long a claim lasts without renewal; a killed
	// process's jobs are taken over after it. It is renewed at a third of
	// its length while a step runs. Default DefaultLease.
	Lease time.Duration
	// Poll is how often the store is asked for work when nothing wakes
	// the pipeline (work of other processes, leases that ran out).
	// Default DefaultPoll.
	Poll time.Duration
	// FetchTimeout bounds the download of an artwork URL, body
	// included. Default DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Retry is how long a job whose step failed for a passing reason
	// (storage down, the file unreadable for a moment) waits before it is
	// tried again; the wait doubles with each attempt. Default 1 minute.
	// A proof that fails on the file itself is not retried (faultError).
	Retry time.Duration
	// MaxAttempts is how many times a step is tried before the pipeline
	// gives up on it (see giveUp). Default 5: with the default Retry, a
	// quarter of an hour of trying.
	MaxAttempts int
	// TempDir holds proof PDFs while they are assembled. Default
	// os.TempDir().
	TempDir string
	// Worker names this process in leases. Default host name, pid and a
	// random part.
	Worker string
	// Version goes into the User-Agent of artwork fetches, as in
	// callbacks': AtomyxSubmit/<Version> (artwork fetch). Default
	// "unknown".
	Version string
	Logger  *slog.Logger
	// Now is the clock of leases; tests set it. Default time.Now.
	Now func() time.Time
}

// DefaultLease is Config.Lease's default. A step holds its job for as
// long as it runs, however long that is, because the lease is renewed at
// a third of it; the lease itself only says how soon a killed process's
// job is taken up by another. Ten seconds, renewed every 3.3 s, leaves a
// renewal two tries and more than 6 s to reach the database on a busy
// machine (a 2-core one rendering proofs, a PostgreSQL answering in
// seconds at p99 under load) before the job is lost; a lost lease costs
// a step done twice, never a wrong job (see the package comment). And it
// is short enough that, with DefaultPoll, a killed process's job is
// claimed again within 11 s, and a small proof done within 15 s of the
// kill (issue 17).
const DefaultLease = 10 * time.Second

// DefaultPoll is Config.Poll's default: how soon a lease that ran out is
// noticed, as nothing wakes the pipeline for it. One claim query a second
// per process is cheap (the partial index jobs_work holds only jobs with
// pipeline work) and keeps a killed process's job from waiting on the
// poll as well as on its lease.
const DefaultPoll = time.Second

// DefaultFetchTimeout is Config.FetchTimeout's default: long enough for
// a large file from a slow host, short enough that a job does not wait
// long on a host that trickles.
const DefaultFetchTimeout = 5 * time.Minute

// Pipeline is the background service.
type Pipeline struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	cancel  context.CancelFunc
	done    chan struct{}
	stop    sync.Once
	slots   chan struct{}
	running sync.WaitGroup
}

// New checks the configuration and returns a Pipeline.
func New(cfg Config) (*Pipeline, error) {
	switch {
	case cfg.Flow == nil || cfg.Flow.Store == nil:
		return nil, errors.New("pipeline: no workflow service or store")
	case cfg.Flow.Blobs == nil:
		return nil, errors.New("pipeline: no file storage")
	case cfg.Preflight == nil || cfg.Renderer == nil:
		return nil, errors.New("pipeline: no preflight engine or renderer")
	}
	if cfg.Client == nil {
		return nil, errors.New("pipeline: no HTTP client for artwork URLs")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = DefaultFetchTimeout
	}
	if cfg.Version == "" {
		cfg.Version = "unknown"
	}
	if cfg.Retry <= 0 {
		cfg.Retry = time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Worker == "" {
		host, _ := os.Hostname()
		cfg.Worker = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), id.Token(6))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{cfg: cfg, log: log, wake: make(chan struct{}, 1), slots: make(chan struct{}, cfg.Workers)}, nil
}

// Notify wakes the pipeline: a new version was stored or a job was
// created with an artwork URL. It never blocks.
func (p *Pipeline) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Start runs the pipeline until Stop or until ctx ends.
func (p *Pipeline) Start(ctx context.Context) error {
	ctx, p.cancel = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go p.loop(ctx)
	return nil
}

// Stop stops claiming work and abandons the steps in flight: their
// leases are released, so that the next start (or another process) redoes
// them at once. Proof rendering of a long book may take minutes; waiting
// for it would outlast any shutdown timeout, and redoing a step is safe.
// It returns when every goroutine of the pipeline has, lease renewals
// included, so the store and the renderer may be closed then. A step
// ends at its next check of its context: a page PDFium draws without
// allocating or reading holds it to the page's end (docs/pipeline.md).
func (p *Pipeline) Stop() {
	p.stop.Do(func() {
		if p.cancel == nil {
			return
		}
		p.cancel()
		<-p.done
		p.running.Wait()
	})
}

func (p *Pipeline) loop(ctx context.Context) {
	defer close(p.done)
	t := time.NewTicker(p.cfg.Poll)
	defer t.Stop()
	for {
		p.claim(ctx)
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-t.C:
		}
	}
}

// claim takes as many jobs as there are free slots and starts each.
func (p *Pipeline) claim(ctx context.Context) {
	for ctx.Err() == nil {
		free := cap(p.slots) - len(p.slots)
		if free == 0 {
			return
		}
		jobs, err := p.cfg.Flow.Store.ClaimJobWork(ctx, store.ClaimParams{
			Now: p.cfg.Now(), Lease: p.cfg.Lease, Limit: free, Worker: p.cfg.Worker,
		})
		if err != nil {
			if ctx.Err() == nil {
				p.log.Error("claim pipeline work", slog.Any("error", err))
			}
			return
		}
		if len(jobs) == 0 {
			return
		}
		for _, j := range jobs {
			p.slots <- struct{}{}
			p.running.Add(1)
			go func() {
				defer func() { <-p.slots; p.running.Done(); p.Notify() }()
				p.work(ctx, j)
			}()
		}
	}
}

// work runs a job's steps under its lease until the job waits for someone
// else (the customer, the ERP) or a step fails. A failed step is tried
// again after a backoff, up to MaxAttempts times; then the pipeline gives
// up on it.
func (p *Pipeline) work(parent context.Context, j store.Job) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	lost, renewed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(renewed)
		p.renew(ctx, j.ID, cancel, lost)
	}()
	cur, attempt, err := j, j.WorkAttempts, error(nil)
	if attempt > p.cfg.MaxAttempts {
		// The last attempt ended without a word: its process died in it
		// (killed for memory, a crash in the renderer). Another try would
		// most likely do the same.
		err = fmt.Errorf("the step was started %d times and never finished", attempt-1)
	} else {
		cur, err = p.run(ctx, j)
		if cur.Status != j.Status || cur.ArtworkFetch != j.ArtworkFetch {
			attempt = 1 // a step ended: the failure, if any, is the next step's first
		}
	}
	cancel()
	// The renewal ends before the lease does, or it could extend a lease
	// just released, or use the store after Stop has returned.
	<-renewed
	bg := context.WithoutCancel(ctx)
	select {
	case <-lost:
		// Another worker has the job, or it was deleted: either way the
		// lease is not ours to touch.
		p.deleted(bg, j)
		return
	default:
	}
	if err != nil && p.deleted(bg, j) {
		return
	}
	release := store.ReleaseParams{JobID: j.ID, Worker: p.cfg.Worker}
	var retry *retryError
	var fault *faultError
	switch {
	case parent.Err() != nil:
		// Stopping: the step did not fail, so the claim does not count.
		release.Abandoned = true
	case err != nil && (attempt >= p.cfg.MaxAttempts || errors.As(err, &fault)):
		p.giveUp(bg, cur, attempt, err)
		release.GaveUp = p.cfg.Now()
	case errors.As(err, &retry):
		// Keep the lease until the retry time: the job is claimed again then.
		wait := p.backoff(attempt)
		_ = p.cfg.Flow.Store.RenewJobWork(bg, store.RenewParams{
			JobID: j.ID, Worker: p.cfg.Worker, Until: p.cfg.Now().Add(wait),
		})
		p.log.Warn("pipeline step failed; will retry", slog.String("job_id", j.ID),
			slog.Int("attempt", attempt), slog.Duration("in", wait), slog.Any("error", retry.err))
		return
	case err != nil:
		p.log.Error("pipeline step", slog.String("job_id", j.ID), slog.Int("attempt", attempt), slog.Any("error", err))
	}
	// Done, waiting for a person, given up or stopping: the next start (or
	// another process) may take the job at once if it has work.
	if err := p.cfg.Flow.Store.ReleaseJobWork(bg, release); err != nil {
		p.log.Warn("release job", slog.String("job_id", j.ID), slog.Any("error", err))
	}
}

// backoff is how long a job waits after its attempt-th failure: Retry,
// doubled with each attempt, at most an hour.
func (p *Pipeline) backoff(attempt int) time.Duration {
	return min(p.cfg.Retry<<min(max(attempt-1, 0), 10), time.Hour)
}

// renew extends the lease at a third of its length until ctx ends; when
// the lease is lost it cancels the work.
func (p *Pipeline) renew(ctx context.Context, jobID string, cancel context.CancelFunc, lost chan struct{}) {
	t := time.NewTicker(p.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := p.cfg.Flow.Store.RenewJobWork(ctx, store.RenewParams{
			JobID: jobID, Worker: p.cfg.Worker, Until: p.cfg.Now().Add(p.cfg.Lease),
		})
		if errors.Is(err, store.ErrStale) {
			p.log.Warn("lost the lease on a job; another worker took it over", slog.String("job_id", jobID))
			close(lost)
			cancel()
			return
		}
	}
}

// faultError marks a failure of the file itself: PDFium cannot render it,
// or not within its time. Trying again would fail again, at the same cost
// (a hostile page holds a renderer for its whole time limit), so the step
// is given up at once.
type faultError struct{ err error }

func (e *faultError) Error() string { return e.err.Error() }
func (e *faultError) Unwrap() error { return e.err }

// retryError marks a failure worth retrying later, as opposed to one the
// job's next transition records.
type retryError struct{ err error }

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

func retry(err error) error {
	if err == nil {
		return nil
	}
	return &retryError{err}
}
