package callback

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
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
)

// Timeout is how long one attempt may take, answer included: the contract's
// 10 s.
const Timeout = 10 * time.Second

// deliveryStore is what the worker claims due deliveries (with their
// signing secrets) from and records their attempts in, and where test
// pings' signing secrets come from.
type deliveryStore interface {
	ClaimDeliveries(ctx context.Context, p store.ClaimParams) ([]store.ClaimedDelivery, error)
	NextDeliveryAt(ctx context.Context) (time.Time, error)
	RecordAttempts(ctx context.Context, ps []store.AttemptParams) ([]error, error)
	RenewDeliveries(ctx context.Context, p store.RenewDeliveriesParams) error
	CreateDelivery(ctx context.Context, d store.Delivery) error
	ListSigningSecrets(ctx context.Context, tenantID string, at time.Time) ([]store.SigningSecret, error)
}

// Config is what a Worker needs. Only Store is required.
type Config struct {
	Store deliveryStore
	// Client sends the callbacks. Default: netguard.NewClient with the
	// address check on, no proxy and no redirects.
	Client *http.Client
	// Schedule is when attempts are made. Default DefaultSchedule. New
	// deliveries get Schedule.Attempts() attempts from the workflow.
	Schedule Schedule
	// Files makes the links of an event's files ("proof" → https://…).
	// Default nil: no links, the body's files is {}.
	Files func(job.Event) map[string]string
	// Version goes into User-Agent: AtomyxSubmit/<Version>. Default
	// "unknown".
	Version string
	// Logger gets one line per attempt. Default: discard.
	Logger *slog.Logger
	// Concurrency bounds the attempts in flight and the deliveries held by
	// this worker. Default 16.
	Concurrency int
	// PerHost bounds the attempts in flight to one host (host:port), so a
	// slow receiver holds only its own slots. It is counted in the store
	// over every worker's leases, so it holds across processes when each
	// is given the same value. Default 4.
	PerHost int
	// Lease is how long a claimed delivery stays this worker's without
	// renewal; the worker renews its leases at a third of it while their
	// attempts run. When a process dies its deliveries are claimed again
	// once their leases end, so it bounds how late a crash makes them.
	// Default 10s, at least 1s.
	Lease time.Duration
	// PollInterval is the longest the worker sleeps without looking for due
	// deliveries; Notify and due retries wake it earlier. It is what picks
	// up deliveries made by other processes. Default 2s.
	PollInterval time.Duration
	// Timeout bounds one attempt. Default Timeout (10s).
	Timeout time.Duration
	// Name identifies this worker in leases. Default host-pid-random.
	Name string
}

// Worker sends due deliveries: it claims them from the store, sends them with
// bounded concurrency per host and records every attempt. Make one with New.
type Worker struct {
	cfg  Config
	wake chan struct{}

	mu       sync.Mutex
	running  bool
	cancel   context.CancelFunc // ends the claim loop
	endBeat  context.CancelFunc // ends the heartbeat and the recorder, once nothing is in flight
	loopDone chan struct{}
	beatDone chan struct{}
	recorder *recorder
	sends    sync.WaitGroup
	sendCtx  context.Context
	nextWake time.Time // when the loop wakes by itself
	inCycle  bool      // the loop is claiming, not sleeping
	earliest time.Time // the earliest retry recorded during this cycle
	slots              // the attempts in flight, guarded by mu
}

// New checks cfg, fills its defaults and returns a worker that is not yet
// running.
func New(cfg Config) (*Worker, error) {
	if cfg.Store == nil {
		return nil, errors.New("callback worker: no store")
	}
	if cfg.Schedule == nil {
		cfg.Schedule = DefaultSchedule
	}
	if err := cfg.Schedule.Validate(); err != nil {
		return nil, fmt.Errorf("callback worker: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = Timeout
	}
	if cfg.Client == nil {
		cfg.Client = netguard.NewClient(netguard.Options{Timeout: cfg.Timeout})
	}
	if cfg.Version == "" {
		cfg.Version = "unknown"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Concurrency = orDefault(cfg.Concurrency, 16)
	cfg.PerHost = min(orDefault(cfg.PerHost, 4), cfg.Concurrency)
	cfg.Lease = max(orDefault(cfg.Lease, 10*time.Second), minLease)
	cfg.PollInterval = orDefault(cfg.PollInterval, 2*time.Second)
	if cfg.Name == "" {
		host, _ := os.Hostname()
		cfg.Name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), id.Token(4))
	}
	w := &Worker{cfg: cfg, wake: make(chan struct{}, 1), recorder: newRecorder(cfg.Store)}
	w.slots.init(cfg.Concurrency)
	return w, nil
}

// minLease is the shortest lease: the heartbeat renews at a third of it,
// and a renewal is a round trip to the database.
const minLease = time.Second

// orDefault returns v, or def when v is zero or less.
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func storeSecrets(ctx context.Context, st deliveryStore, tenantID string) ([]string, error) {
	ss, err := st.ListSigningSecrets(ctx, tenantID, time.Now())
	if err != nil {
		return nil, fmt.Errorf("read signing secrets of %s: %w", tenantID, err)
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Secret
	}
	return out, nil
}

// Start runs the worker until Stop is called or ctx ends. Stop lets the
// attempts under way finish; ctx ending cuts them off, unrecorded, and
// releases their deliveries to be sent again. serve ends ctx once
// --shutdown-timeout has passed.
func (w *Worker) Start(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		return errors.New("callback worker: already started")
	}
	loopCtx, cancel := context.WithCancel(ctx)
	// Not ended with ctx: an attempt the receiver answered is recorded
	// even when ctx cuts the others off.
	beatCtx, endBeat := context.WithCancel(context.WithoutCancel(ctx))
	w.running, w.cancel, w.endBeat = true, cancel, endBeat
	w.sendCtx = ctx // Stop lets attempts finish, ctx cuts them off
	w.loopDone, w.beatDone = make(chan struct{}), make(chan struct{})
	go w.run(loopCtx)
	var both sync.WaitGroup
	both.Go(func() { w.heartbeat(beatCtx) })
	both.Go(func() { w.recorder.run(beatCtx) })
	go func() {
		both.Wait()
		close(w.beatDone)
	}()
	w.cfg.Logger.Debug("callback worker started", "worker", w.cfg.Name)
	return nil
}

// Stop stops claiming, waits for the attempts under way to finish and
// records them; when the context given to Start ends meanwhile, they are
// cut off and released (see Start). A stopped worker holds no lease. Stop
// on a stopped worker does nothing.
func (w *Worker) Stop() {
	w.mu.Lock()
	if !w.running {
		w.mu.Unlock()
		return
	}
	w.cancel()
	done := w.loopDone
	w.mu.Unlock()
	<-done
	w.sends.Wait()
	w.endBeat()
	<-w.beatDone
	w.mu.Lock()
	w.running = false
	w.mu.Unlock()
}

// Notify wakes the worker to look for due deliveries now. The workflow calls
// it after a transition that made a delivery has committed. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default: // a wake-up is already pending; one is enough
	}
}

func (w *Worker) run(ctx context.Context) {
	defer close(w.loopDone)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-timer.C:
		}
		w.mu.Lock()
		w.inCycle, w.earliest = true, time.Time{}
		w.mu.Unlock()
		wait := w.cycle(ctx)
		w.mu.Lock()
		if !w.earliest.IsZero() { // a retry recorded during the cycle
			wait = max(min(wait, time.Until(w.earliest)), 0)
		}
		w.inCycle, w.nextWake = false, time.Now().Add(wait)
		w.mu.Unlock()
		timer.Reset(wait)
	}
}

// maxRounds bounds the claims of one cycle, so that a long backlog cannot
// keep the loop from sleeping.
const maxRounds = 8

// cycle claims what it has room for and returns how long to sleep. Each
// claimed delivery starts at once. A claim that found something is
// followed by another while there is room: a host that filled up during
// one claim is skipped by the next, which finds the hosts behind it.
func (w *Worker) cycle(ctx context.Context) time.Duration {
	for range maxRounds {
		now := time.Now()
		w.mu.Lock()
		budget := w.budget()
		w.mu.Unlock()
		if ctx.Err() != nil {
			return w.cfg.PollInterval
		}
		if budget == 0 {
			return w.cfg.PollInterval // a finishing attempt wakes the loop
		}
		claimed, err := w.cfg.Store.ClaimDeliveries(ctx, store.ClaimParams{
			Now: now, Lease: w.cfg.Lease, Limit: budget, PerHost: w.cfg.PerHost, Worker: w.cfg.Name,
		})
		if err != nil {
			if ctx.Err() == nil {
				w.cfg.Logger.Error("claim callback deliveries", "error", err)
			}
			return w.cfg.PollInterval
		}
		w.mu.Lock()
		for _, c := range claimed {
			w.start(c)
		}
		w.mu.Unlock()
		if len(claimed) == 0 {
			return w.untilDue(ctx, now)
		}
	}
	return 0
}

// untilDue asks the store when the next delivery falls due and sleeps until
// then, or PollInterval at most. A due time already past means a delivery
// that cannot be claimed now (leased elsewhere, its host at its limit, or
// waiting for an earlier event of its job): an attempt finishing here
// wakes the loop, one finishing in another process is seen at the poll.
func (w *Worker) untilDue(ctx context.Context, now time.Time) time.Duration {
	wait := w.cfg.PollInterval
	next, err := w.cfg.Store.NextDeliveryAt(ctx)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			w.cfg.Logger.Error("find next callback delivery", "error", err)
		}
		return wait
	}
	if d := next.Sub(now); d > 0 && d < wait {
		return d
	}
	return wait
}
