package callback

import (
	"context"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// slots is the worker's bookkeeping of the attempts in flight. The
// Worker's mu guards it. Nothing waits in memory: the store hands out only
// what may be sent at once (the per-host limit is counted in the claim,
// across every process), so every claimed delivery starts at once, and
// every lease this worker holds is on an attempt under way, renewed by
// heartbeat until it is recorded.
type slots struct {
	limit    int
	inFlight map[string]struct{} // delivery ids of the attempts under way
}

func (s *slots) init(limit int) {
	s.limit, s.inFlight = limit, map[string]struct{}{}
}

// budget is how many more deliveries the worker may claim.
func (s *slots) budget() int { return max(s.limit-len(s.inFlight), 0) }

// start runs one attempt in its own goroutine.
func (w *Worker) start(c store.ClaimedDelivery) {
	w.inFlight[c.Delivery.ID] = struct{}{}
	w.sends.Add(1)
	go func() {
		defer w.sends.Done()
		w.deliver(w.sendCtx, c)
		w.finish(c.Delivery.ID)
	}()
}

// finish frees the slot of an attempt and wakes the loop to fill it: a
// slot of its host is free too, and the next event of its job may go.
func (w *Worker) finish(deliveryID string) {
	w.mu.Lock()
	delete(w.inFlight, deliveryID)
	w.mu.Unlock()
	w.Notify()
}

// heartbeat renews the leases of the attempts under way at a third of
// the lease, so that leases can be short: a process that dies leaves its
// deliveries to the others within one lease, while one that lives keeps
// them however long an attempt takes. It runs until ctx ends.
func (w *Worker) heartbeat(ctx context.Context) {
	t := time.NewTicker(w.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.mu.Lock()
		ids := make([]string, 0, len(w.inFlight))
		for id := range w.inFlight {
			ids = append(ids, id)
		}
		w.mu.Unlock()
		if len(ids) == 0 {
			continue
		}
		err := w.cfg.Store.RenewDeliveries(ctx, store.RenewDeliveriesParams{
			Worker: w.cfg.Name, IDs: ids, Until: time.Now().Add(w.cfg.Lease),
		})
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.Error("renew callback leases; another process may send these deliveries again",
				"deliveries", len(ids), "error", err)
		}
	}
}

// release ends this worker's lease on a delivery whose attempt was not
// made, or was cut off, so that any worker may claim it now.
func (w *Worker) release(deliveryID string) {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	err := w.cfg.Store.RenewDeliveries(ctx, store.RenewDeliveriesParams{
		Worker: w.cfg.Name, IDs: []string{deliveryID}, Until: time.Now(),
	})
	if err != nil {
		w.cfg.Logger.Warn("release callback lease; the delivery is sent again when its lease ends",
			"delivery", deliveryID, "error", err)
	}
}
