package workflow

import (
	"context"
	"fmt"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// The actions people take on callback deliveries, from the API and from
// Manage: each writes through the store and, when it leaves something to
// send, wakes the callback worker, so that no caller has to remember to.

// MaxRetryAll bounds how many exceptions one RetryAll sends again, so that
// one request stays short; the oldest go first, and another RetryAll
// reaches the rest.
const MaxRetryAll = 1000

// Redeliver starts a new round of attempts for one of the tenant's
// deliveries, on the whole retry schedule, the first one now, and wakes
// the callback worker. The round goes to the job's callback URL as it is
// now (its own, else its tenant's), which may not be where the delivery
// went before: an ERP that corrected a wrong URL gets its events at the
// right one. When the job has no URL any more, the delivery keeps its
// own. A pending delivery is returned unchanged. store.ErrStale for a
// test ping, which is never sent again; store.ErrNotFound for a delivery
// that is not the tenant's.
func (s *Service) Redeliver(ctx context.Context, tenantID, deliveryID string) (store.Delivery, error) {
	d, err := s.redeliver(ctx, tenantID, deliveryID, &urlCache{})
	if err != nil {
		return d, err
	}
	s.notify()
	return d, nil
}

// redeliver starts a new round of attempts without waking the worker.
func (s *Service) redeliver(ctx context.Context, tenantID, deliveryID string, urls *urlCache) (store.Delivery, error) {
	d, err := s.Store.Delivery(ctx, tenantID, deliveryID)
	if err != nil {
		return d, fmt.Errorf("redeliver %s: %w", deliveryID, err)
	}
	var url string
	if d.JobID != "" { // a ping has no job, and is refused by the store
		if url, err = urls.current(ctx, s, tenantID, d.JobID); err != nil {
			return d, fmt.Errorf("redeliver %s: %w", deliveryID, err)
		}
	}
	return s.Store.Redeliver(ctx, store.RedeliverParams{
		TenantID: tenantID, DeliveryID: deliveryID, At: s.now(), Attempts: s.attempts(), URL: url,
	})
}

// urlCache remembers the tenant read for jobs without a callback URL of
// their own, so that RetryAll reads it once, not once per delivery.
type urlCache struct {
	tenant *store.Tenant
}

// current is where the events of the tenant's job go now.
func (c *urlCache) current(ctx context.Context, s *Service, tenantID, jobID string) (string, error) {
	j, err := s.Store.Job(ctx, tenantID, jobID)
	if err != nil {
		return "", err
	}
	return c.of(ctx, s, j)
}

// of is where j's events go now: its own URL, else its tenant's, the
// tenant read once for all the jobs the cache is used for.
func (c *urlCache) of(ctx context.Context, s *Service, j job.Job) (string, error) {
	if j.CallbackURL != "" {
		return j.CallbackURL, nil
	}
	if c.tenant == nil {
		t, err := s.Store.Tenant(ctx, j.TenantID)
		if err != nil {
			return "", fmt.Errorf("read tenant of %s: %w", j.ID, err)
		}
		c.tenant = &t
	}
	return c.tenant.Settings.CallbackURL, nil
}

// RetryAllParams names the exceptions RetryAll sends again.
type RetryAllParams struct {
	TenantID string
	Livemode bool
	// URL is the callback URL whose exceptions are sent again; every
	// URL's when empty.
	URL string
}

// RetryAll redelivers the oldest MaxRetryAll of the tenant's exceptions to
// one URL, as Redeliver does each, and wakes the callback worker once.
// p.URL names where the exceptions failed; each goes again to its job's
// callback URL as it is now, so a URL corrected since is followed. It
// returns how many it redelivered, also when it stopped on an error
// partway: those stay redelivered. Test pings are left alone.
func (s *Service) RetryAll(ctx context.Context, p RetryAllParams) (int, error) {
	ds, err := s.Store.ListExceptions(ctx, store.ListExceptionsParams{
		TenantID: p.TenantID, Livemode: p.Livemode, URL: p.URL, Limit: MaxRetryAll,
	})
	if err != nil {
		return 0, fmt.Errorf("retry all to %s: %w", p.URL, err)
	}
	n := 0
	urls := &urlCache{}
	for _, d := range ds {
		if d.JobID == "" {
			continue
		}
		if _, err = s.redeliver(ctx, p.TenantID, d.ID, urls); err != nil {
			err = fmt.Errorf("retry all to %s, after %d: %w", p.URL, n, err)
			break
		}
		n++
	}
	if n > 0 {
		s.notify()
	}
	return n, err
}

// Resolve closes one of the tenant's exceptions without delivering it,
// with a note saying why. store.ErrStale when the delivery is not (any
// more) an exception: someone resolved or redelivered it meanwhile, or it
// never failed.
func (s *Service) Resolve(ctx context.Context, tenantID, deliveryID, note string) (store.Delivery, error) {
	return s.Store.ResolveDelivery(ctx, store.ResolveParams{
		TenantID: tenantID, DeliveryID: deliveryID, Note: note, At: s.now(),
	})
}

// attempts is how many attempts a new round of deliveries gets.
func (s *Service) attempts() int { return max(s.Attempts, 1) }

// notify wakes the callback worker, if there is one to wake.
func (s *Service) notify() {
	if s.Notify != nil {
		s.Notify()
	}
}
