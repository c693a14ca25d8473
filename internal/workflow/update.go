package workflow

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// MaxExpiry is how far ahead of now a job's expiry may be set by an
// update: a year. An order that waits longer than that for its artwork is
// a new order.
const MaxExpiry = 365 * 24 * time.Hour

// The fields an update may change, as the API and the updated event's
// changes name them, in the order changes lists them.
const (
	FieldCallbackURL = "callbackURL"
	FieldMetadata    = "metadata"
	FieldBrand       = "brand"
	FieldPreflight   = "preflight"
	FieldExpiresAt   = "expiresAt"
)

// UpdateParams is a correction of a job by the ERP.
type UpdateParams struct {
	TenantID string
	JobID    string
	// By is who changes the job: the API key.
	By job.Actor
	// Edit returns the job with its new values, given the job as it
	// stands. Only CallbackURL, Metadata, Brand, Preflight and ExpiresAt
	// are taken from its result. It is called again when the job changed
	// before the update could be written, so that a merge patch applies
	// to the latest values; its error is returned as it is.
	Edit func(job.Job) (job.Job, error)
}

// Update changes a job's callback URL, metadata, brand, expectations or
// expiry and records an updated event naming the fields it changed, in one
// transaction; the event is sent as a callback only to a job (or tenant)
// subscribed to updated. An update that changes nothing records nothing
// and is not refused, whatever the job's status, so that a retry is safe.
// A new callback URL also takes the job's pending deliveries (retries
// follow the job's current URL); when the job is left with no URL at all
// (no own, no tenant default), they stay where they were going.
//
// It returns the job as it is after the update, or as it is when the
// update is refused: job.ErrTransition when the job is final, or when the
// expectations change while the job does not wait for a file (see
// ExpectationsOpen).
func (s *Service) Update(ctx context.Context, p UpdateParams) (job.Job, error) {
	for try := 0; ; try++ {
		j, err := s.Store.Job(ctx, p.TenantID, p.JobID)
		if err != nil {
			return j, fmt.Errorf("update %s: %w", p.JobID, err)
		}
		done, err := s.updateFrom(ctx, j, p)
		if errors.Is(err, store.ErrStale) && try < 3 {
			continue // changed meanwhile: apply the edit to the fresh job
		}
		if err != nil {
			return j, err
		}
		if !done {
			return j, nil
		}
		return s.Store.Job(ctx, p.TenantID, p.JobID)
	}
}

// ExpectationsOpen reports whether a job in status st takes new order
// expectations: only while it waits for a file (awaiting_upload,
// preflight_failed, rejected), so that no file is in preflight or
// accepted under the old ones. The next file is checked against the new
// ones; a file already refused is not checked again.
func ExpectationsOpen(st job.Status) bool { return job.CanMove(st, job.Uploaded) }

// updateFrom applies one update to j as read and reports whether it
// changed anything.
func (s *Service) updateFrom(ctx context.Context, j job.Job, p UpdateParams) (bool, error) {
	edited, err := p.Edit(j)
	if err != nil {
		return false, err
	}
	patch, changes := diff(j, edited)
	if len(changes) == 0 {
		return false, nil // also on a final job: retrying an update is safe
	}
	if err := job.Record(j.Status, job.EventUpdated); err != nil {
		return false, fmt.Errorf("update %s: %w", j.ID, err)
	}
	if patch.Preflight != nil && !ExpectationsOpen(j.Status) {
		return false, fmt.Errorf("update %s: %w: the expectations of a job that is %s cannot change", j.ID, job.ErrTransition, j.Status)
	}
	after := j
	after.CallbackURL = edited.CallbackURL
	if patch.CallbackURL != nil {
		if patch.PendingURL, err = s.CallbackURL(ctx, after); err != nil {
			return false, err
		}
	}
	now := s.now()
	seq := j.Sequence
	tp := store.TransitionParams{
		TenantID: j.TenantID, JobID: j.ID, From: []job.Status{j.Status}, Outcome: true,
		Sequence: &seq, Patch: patch,
		Event: job.Event{
			ID: id.NewAt(id.Event, now), JobID: j.ID, TenantID: j.TenantID, Livemode: j.Livemode,
			Type: job.EventUpdated, Status: j.Status, OrderRef: j.ExternalID, Actor: p.By,
			Changes: changes, OccurredAt: now,
		},
	}
	url, err := s.sendTo(ctx, after, job.EventUpdated)
	if err != nil {
		return false, err
	}
	if url != "" {
		tp.CallbackURL, tp.DeliveryID, tp.Attempts = url, id.NewAt(id.Delivery, now), s.attempts()
	}
	if _, err := s.Store.TransitionJob(ctx, tp); err != nil {
		return false, fmt.Errorf("update %s: %w", j.ID, err)
	}
	if tp.CallbackURL != "" || patch.PendingURL != "" {
		s.notify() // a new delivery, or pending ones with somewhere new to go
	}
	return true, nil
}

// diff is the patch from job a to job b over the fields an update may
// change, and the names of those that differ. An empty brand, empty
// expectations and empty metadata are the same as none.
func diff(a, b job.Job) (*store.JobPatch, []string) {
	var p store.JobPatch
	var changes []string
	if a.CallbackURL != b.CallbackURL {
		p.CallbackURL = &b.CallbackURL
		changes = append(changes, FieldCallbackURL)
	}
	if md := noneIfEmpty(b.Metadata); !reflect.DeepEqual(noneIfEmpty(a.Metadata), md) {
		p.Metadata = &md
		changes = append(changes, FieldMetadata)
	}
	if br := orZero(b.Brand); orZero(a.Brand) != br {
		p.Brand = &br
		changes = append(changes, FieldBrand)
	}
	if pf := orZero(b.Preflight); !reflect.DeepEqual(orZero(a.Preflight), pf) {
		p.Preflight = &pf
		changes = append(changes, FieldPreflight)
	}
	// At the precision both databases keep, or an expiry would seem to
	// change when only its nanoseconds do.
	if at := b.ExpiresAt.UTC().Truncate(time.Microsecond); !a.ExpiresAt.Equal(at) {
		p.ExpiresAt = &at
		changes = append(changes, FieldExpiresAt)
	}
	return &p, changes
}

func noneIfEmpty(md []job.Metadata) []job.Metadata {
	if len(md) == 0 {
		return nil
	}
	return md
}

func orZero[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
