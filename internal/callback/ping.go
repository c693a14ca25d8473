package callback

import (
	"context"
	"fmt"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
)

// PingParams says where a test ping goes.
type PingParams struct {
	TenantID string
	Livemode bool
	// URL is the callback URL to test; the caller validates it
	// (netguard.ValidateURL), the client checks its address on connect.
	URL string
}

// PingNote is the resolution note of a test ping that failed: a ping is
// never retried and never a workflow exception.
const PingNote = "test ping: not retried"

// Ping sends a test ping (event_type "ping", signed like any callback) to
// p.URL at once and waits for the answer, so that Manage or the API can show
// the receiver's status and response. It is recorded as a delivery without
// job: delivered on 2xx, otherwise resolved with PingNote. The error is only
// for a ping that could not be made or recorded; a receiver's refusal is in
// the Result.
func (w *Worker) Ping(ctx context.Context, p PingParams) (store.Delivery, Result, error) {
	now := time.Now().UTC()
	d := store.Delivery{
		ID: id.NewAt(id.Delivery, now), TenantID: p.TenantID, Livemode: p.Livemode, URL: p.URL,
		Attempts: 1, AttemptsLeft: 0, NextAttemptAt: now, CreatedAt: now,
	}
	body, err := PingPayload(d, 1).Body()
	if err != nil {
		return d, Result{}, err
	}
	secrets, err := storeSecrets(ctx, w.cfg.Store, p.TenantID)
	if err != nil {
		return d, Result{}, fmt.Errorf("ping: %w", err)
	}
	r := send(ctx, w.cfg.Client, w.cfg.Version, w.cfg.Timeout, request{
		url: p.URL, deliveryID: d.ID, eventType: EventPing, attempt: 1, body: body, secrets: secrets,
	})
	at := r.StartedAt.UTC()
	d.LastAttemptAt, d.LastStatus, d.LastError = &at, r.StatusCode, r.Error
	done := at.Add(r.Duration)
	if r.OK() {
		d.State, d.DeliveredAt = store.DeliveryDelivered, &done
	} else {
		d.State, d.ResolvedAt, d.ResolvedNote = store.DeliveryResolved, &done, PingNote
	}
	w.cfg.Logger.InfoContext(ctx, "callback test ping", "delivery", d.ID, "host", store.HostKey(p.URL),
		"status", r.StatusCode, "duration", r.Duration.Round(time.Millisecond), "error", r.Error)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := w.cfg.Store.CreateDelivery(ctx, d); err != nil {
		return d, r, fmt.Errorf("ping sent, but recording it failed: %w", err)
	}
	return d, r, nil
}
