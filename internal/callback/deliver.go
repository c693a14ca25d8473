package callback

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
)

// recordTimeout bounds the store writes after an attempt; they run even
// while the worker stops.
const recordTimeout = 10 * time.Second

// deliver makes one attempt of a claimed delivery and records it. When
// ctx ends (the worker's hard stop) an attempt under way is cut off.
func (w *Worker) deliver(ctx context.Context, c store.ClaimedDelivery) {
	d := c.Delivery
	q, err := w.prepare(c)
	if err != nil {
		w.notSent(ctx, d, err)
		return
	}
	r := send(ctx, w.cfg.Client, w.cfg.Version, w.cfg.Timeout, q)
	if !r.OK() && ctx.Err() != nil {
		w.notSent(ctx, d, ctx.Err())
		return
	}
	outcome, next := w.decide(d, r)
	// The receiver has answered: that is recorded even if ctx ends now.
	w.record(context.WithoutCancel(ctx), d, q, r, outcome, next)
}

// notSent logs a delivery that was not sent, or was cut off by a stop:
// not an attempt the receiver answered, so it is not recorded (its number
// is not used again: the claim counted it). One cut off by a stop is
// released for any process to send at once. One that could not be
// prepared (the store failing) stays leased, no longer renewed, and is
// tried again when the lease ends, by when the store may be back.
func (w *Worker) notSent(ctx context.Context, d store.Delivery, err error) {
	if ctx.Err() != nil {
		w.cfg.Logger.Info("callback cut off by shutdown; it is sent again", "delivery", d.ID)
		w.release(d.ID)
		return
	}
	w.cfg.Logger.Error("callback not sent", "delivery", d.ID, "error", err)
}

// prepare builds the request of the next attempt of a claimed delivery.
func (w *Worker) prepare(c store.ClaimedDelivery) (request, error) {
	d := c.Delivery
	q := request{url: d.URL, deliveryID: d.ID, attempt: c.Attempt}
	var p Payload
	if c.Event != nil {
		var files map[string]string
		if w.cfg.Files != nil {
			files = w.cfg.Files(*c.Event)
		}
		p = NewPayload(*c.Event, q.attempt, files)
	} else {
		p = PingPayload(d, q.attempt)
	}
	q.eventType = p.EventType
	body, err := p.Body()
	if err != nil {
		return q, err
	}
	q.body, q.secrets = body, c.Secrets
	return q, nil
}

// decide turns an attempt's result into the delivery's next state.
func (w *Worker) decide(d store.Delivery, r Result) (outcome string, next time.Time) {
	if r.OK() {
		return store.DeliveryDelivered, time.Time{}
	}
	wait, ok := w.cfg.Schedule.Next(d.AttemptsLeft, r.RetryAfter, rand.Float64())
	if !ok {
		return store.DeliveryFailed, time.Time{}
	}
	return store.DeliveryPending, time.Now().Add(wait)
}

// record stores the attempt, logs it and, when a retry falls due before the
// loop would wake, wakes it.
func (w *Worker) record(ctx context.Context, d store.Delivery, q request, r Result, outcome string, next time.Time) {
	ctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	p := store.AttemptParams{
		DeliveryID: d.ID, Worker: w.cfg.Name, Outcome: outcome, NextAttemptAt: next,
		Attempt: store.Attempt{
			ID: id.NewAt(id.Attempt, r.StartedAt), DeliveryID: d.ID, Number: q.attempt,
			StartedAt: r.StartedAt, Duration: r.Duration, StatusCode: r.StatusCode,
			Response: r.Response, Error: r.Error,
		},
	}
	err := w.recorder.record(ctx, p)
	attrs := []any{
		"delivery", d.ID, "event", q.eventType, "attempt", q.attempt, "host", store.HostKey(d.URL),
		"status", r.StatusCode, "duration", r.Duration.Round(time.Millisecond), "outcome", outcome,
	}
	if r.Error != "" {
		attrs = append(attrs, "error", r.Error)
	}
	if outcome == store.DeliveryPending {
		attrs = append(attrs, "next_attempt_at", next.UTC().Format(time.RFC3339))
	}
	switch {
	case errors.Is(err, store.ErrStale):
		w.cfg.Logger.Warn("callback attempt made after the lease ran out; another worker has the delivery", attrs...)
	case errors.Is(err, store.ErrNotFound):
		// Its test job was deleted while the attempt was under way: there
		// is nothing left to record or retry.
		w.cfg.Logger.Info("callback attempt made for a deleted job; not recorded", attrs...)
	case err != nil:
		w.cfg.Logger.Error("record callback attempt; the delivery is retried when its lease ends", append(attrs, "record_error", err)...)
	default:
		level := slog.LevelInfo
		if outcome == store.DeliveryFailed {
			level = slog.LevelWarn
		}
		w.cfg.Logger.Log(ctx, level, "callback attempt", attrs...)
		// The loop is woken when the attempt's slot is freed (finish),
		// which also lets the job's next event go; a retry must wake it
		// by its due time as well.
		if outcome == store.DeliveryPending {
			w.wakeBy(next)
		}
	}
}

// wakeBy makes sure the loop looks for due deliveries no later than t. A
// cycle under way may have read the next due time before this retry was
// recorded, so it is told; a sleeping loop is woken to ask again.
func (w *Worker) wakeBy(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inCycle {
		if w.earliest.IsZero() || t.Before(w.earliest) {
			w.earliest = t
		}
		return
	}
	if t.Before(w.nextWake) {
		w.Notify()
	}
}
