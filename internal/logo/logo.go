// Package logo makes brand logos safe to show: Submit fetches each logo
// URL once per tenant through the SSRF-safe client, checks that it is a
// PNG, JPEG, WebP or SVG within the limits, stores it content-addressed
// in blob storage and serves it from its own origin (Route). The
// customer's browser never fetches a third-party URL, so a logo host
// learns nothing of Submit's customers and cannot change what they see
// after the check.
//
// A URL is recorded at once (Request, one query when it is known already)
// and fetched in the background by the Service, so that creating a job
// never waits on a logo host. A URL that fails is a warning on the job
// (the API's warnings, Manage), and the customer page shows the shop's
// name in text instead.
package logo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
)

// Store is what the logo service reads and writes.
type Store interface {
	Logo(ctx context.Context, tenantID, url string) (store.Logo, error)
	RequestLogo(ctx context.Context, p store.RequestLogoParams) (store.Logo, error)
	ClaimLogos(ctx context.Context, p store.ClaimParams) ([]store.Logo, error)
	FinishLogo(ctx context.Context, p store.FinishLogoParams) error
}

// Config is what a Service needs. Store, Blobs and Client are required.
type Config struct {
	Store Store
	Blobs blob.Store
	// Client fetches logos: the netguard client, which refuses private
	// addresses unless --allow-insecure-urls.
	Client *http.Client
	// Timeout bounds one fetch, body included. Default DefaultTimeout.
	Timeout time.Duration
	// RetryFailedAfter is how old a failure must be for a job naming the
	// URL again to have it fetched again. Default 10 minutes.
	RetryFailedAfter time.Duration
	// Workers is how many logos are fetched at once. Default 2.
	Workers int
	// Lease is how long a claim lasts; a killed process's logos are
	// fetched by another after it. It is not renewed: a fetch ends
	// within Timeout, and storing a checked logo (1 MiB at most) takes
	// moments. Default Timeout plus 15 seconds (30 s): a lease that
	// still runs out costs a second fetch, as the first's FinishLogo is
	// then refused (store.ErrStale), never a wrong logo.
	Lease time.Duration
	// Poll is how often the store is asked for work when nothing wakes
	// the service (other processes' requests, leases that ran out).
	// Default 5 seconds: a killed process's logo waits at most Lease and
	// Poll, and the customer page shows the shop's name meanwhile.
	Poll time.Duration
	// Version goes into the User-Agent: AtomyxSubmit/<Version> (logo
	// fetch). Default "unknown".
	Version string
	// Worker names this process in leases. Default host, pid and a
	// random part.
	Worker string
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// DefaultTimeout is Config.Timeout's default: a logo of 1 MiB at most
// comes in well under it from any working host.
const DefaultTimeout = 15 * time.Second

// Service records logo URLs, fetches them in the background and serves
// the checked files.
type Service struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	cancel  context.CancelFunc
	done    chan struct{}
	stop    sync.Once
	slots   chan struct{} // one per fetch in flight, up to Workers
	running sync.WaitGroup

	// settled remembers, per tenant and URL, a check whose outcome holds
	// for a while (see remember), so that creating jobs that name a known
	// logo, the usual case, reads nothing: POST /api/jobs stays as fast as
	// it was before logos were checked.
	mu      sync.Mutex
	settled map[logoKey]settledLogo
}

type logoKey struct{ tenant, url string }

type settledLogo struct {
	logo  store.Logo
	until time.Time
}

// maxSettled bounds the cache; past it, it starts again empty.
const maxSettled = 10_000

// New checks the configuration and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Blobs == nil || cfg.Client == nil {
		return nil, errors.New("logo: no store, file storage or HTTP client")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RetryFailedAfter <= 0 {
		cfg.RetryFailedAfter = 10 * time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Lease <= 0 {
		cfg.Lease = cfg.Timeout + 15*time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Version == "" {
		cfg.Version = "unknown"
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
	return &Service{cfg: cfg, log: log, wake: make(chan struct{}, 1), slots: make(chan struct{}, cfg.Workers),
		settled: map[logoKey]settledLogo{}}, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Request records that a job or a tenant's settings name the logo url,
// and returns where it stands. A new URL, or a failure older than
// RetryFailedAfter, is fetched in the background; the service is woken.
func (s *Service) Request(ctx context.Context, tenantID, url string) (store.Logo, error) {
	now := s.now()
	k := logoKey{tenantID, url}
	s.mu.Lock()
	c, ok := s.settled[k]
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.logo, nil
	}
	l, err := s.cfg.Store.RequestLogo(ctx, store.RequestLogoParams{
		TenantID: tenantID, URL: url, At: now, RetryFailedBefore: now.Add(-s.cfg.RetryFailedAfter),
	})
	if err != nil {
		return l, err
	}
	if l.State == store.LogoPending {
		s.Notify()
	}
	s.remember(k, l)
	return l, nil
}

// remember keeps a logo whose state holds: a checked logo is kept for
// good under its URL, and a failure until it is due to be fetched again.
// A pending one is not kept: it changes when its check ends, in whichever
// process runs it. An operator's Retry in another process makes a
// failure pending there; this process sees it when its entry runs out,
// RetryFailedAfter at most.
func (s *Service) remember(k logoKey, l store.Logo) {
	var until time.Time
	switch {
	case l.State == store.LogoOK:
		until = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	case l.State == store.LogoFailed && l.FetchedAt != nil:
		until = l.FetchedAt.Add(s.cfg.RetryFailedAfter)
	default:
		s.forget(k)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.settled) >= maxSettled {
		clear(s.settled)
	}
	s.settled[k] = settledLogo{logo: l, until: until}
}

func (s *Service) forget(k logoKey) {
	s.mu.Lock()
	delete(s.settled, k)
	s.mu.Unlock()
}

// Retry is Request for an operator who saved the URL again: a failure is
// fetched again whatever its age.
func (s *Service) Retry(ctx context.Context, tenantID, url string) (store.Logo, error) {
	s.forget(logoKey{tenantID, url})
	now := s.now()
	l, err := s.cfg.Store.RequestLogo(ctx, store.RequestLogoParams{
		TenantID: tenantID, URL: url, At: now, RetryFailedBefore: now.Add(time.Microsecond),
	})
	if err == nil && l.State == store.LogoPending {
		s.Notify()
	}
	return l, err
}

// Notify wakes the service. It never blocks.
func (s *Service) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Start fetches pending logos in the background until Stop or ctx ends.
func (s *Service) Start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go s.loop(ctx)
	return nil
}

// Stop ends the service and waits for the fetches in flight, which end
// at once: their logos are fetched again when their leases run out.
func (s *Service) Stop() {
	s.stop.Do(func() {
		if s.cancel != nil {
			s.cancel()
			<-s.done
			s.running.Wait()
		}
	})
}

func (s *Service) loop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		for ctx.Err() == nil && s.claim(ctx) {
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// claim takes as many pending logos as there are free slots and starts
// a fetch for each; a fetch that ends frees its slot and wakes the loop,
// so that one slow host holds one slot, not the others. It reports
// whether every free slot got a logo (there may be more).
func (s *Service) claim(ctx context.Context) bool {
	free := cap(s.slots) - len(s.slots)
	if free == 0 {
		return false
	}
	ls, err := s.cfg.Store.ClaimLogos(ctx, store.ClaimParams{
		Now: s.now(), Lease: s.cfg.Lease, Limit: free, Worker: s.cfg.Worker,
	})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("claim logos", slog.Any("error", err))
		}
		return false
	}
	for _, l := range ls {
		s.slots <- struct{}{}
		s.running.Go(func() {
			defer func() { <-s.slots; s.Notify() }()
			s.work(ctx, l)
		})
	}
	return len(ls) == free
}

// work fetches one claimed logo and records the outcome. A failure of
// Submit's own storage leaves the logo pending for a minute later.
func (s *Service) work(ctx context.Context, l store.Logo) {
	img, p := s.fetch(ctx, l.URL)
	if ctx.Err() != nil {
		return // stopping: the lease runs out and the fetch is redone
	}
	l.State, l.BlobKey, l.ContentType, l.Width, l.Height, l.ErrorCode, l.ErrorMessage = store.LogoOK, "", "", 0, 0, "", ""
	retryAt := time.Time{}
	if p != nil {
		l.State, l.ErrorCode, l.ErrorMessage = store.LogoFailed, p.Code, p.Message
	} else if key, err := s.put(ctx, img); err != nil {
		s.log.Error("store logo", slog.String("tenant_id", l.TenantID), slog.Any("error", err))
		l.State, retryAt = store.LogoPending, s.now().Add(time.Minute)
	} else {
		l.BlobKey, l.ContentType, l.Width, l.Height = key, img.ContentType, img.Width, img.Height
	}
	err := s.cfg.Store.FinishLogo(context.WithoutCancel(ctx), store.FinishLogoParams{
		Logo: l, Worker: s.cfg.Worker, At: s.now(), RetryAt: retryAt,
	})
	if err != nil {
		s.log.Error("finish logo", slog.String("tenant_id", l.TenantID), slog.Any("error", err))
		return
	}
	// The host only, never the URL: its query may carry a token.
	s.log.Info("logo checked", slog.String("tenant_id", l.TenantID), slog.String("host", hostOf(l.URL)),
		slog.String("state", l.State), slog.String("code", l.ErrorCode))
}
