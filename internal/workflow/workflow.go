// Package workflow applies the job state machine to stored jobs. Handlers,
// pages and workers call it; it calls the store. Every change of status goes
// through Transition, which records the event and its callback delivery in
// one transaction and then wakes the callback worker.
package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// DefaultJobLifetime is how long an upload link stays usable. An ERP that
// needs longer creates a new job; 30 days covers the slowest approvals.
const DefaultJobLifetime = 30 * 24 * time.Hour

// Store is what the workflow reads and writes: jobs and their moves, the
// idempotency records it sweeps and the deliveries operators redeliver or
// resolve. The store serve opens is one.
type Store interface {
	Tenant(ctx context.Context, id string) (store.Tenant, error)
	Job(ctx context.Context, tenantID, jobID string) (store.Job, error)
	ArtworkVersion(ctx context.Context, tenantID, versionID string) (store.ArtworkVersion, error)
	ListExpiredJobs(ctx context.Context, before time.Time, limit int) ([]store.Job, error)
	CreateJob(ctx context.Context, p store.CreateJobParams) error
	DeleteJob(ctx context.Context, tenantID, jobID string) error
	TransitionJob(ctx context.Context, p store.TransitionParams) (job.Event, error)
	SetArtworkFetch(ctx context.Context, jobID, state string) error
	RetryProof(ctx context.Context, p store.RetryProofParams) error
	DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int64, error)

	ListExceptions(ctx context.Context, p store.ListExceptionsParams) ([]store.Delivery, error)
	Delivery(ctx context.Context, tenantID, deliveryID string) (store.Delivery, error)
	Redeliver(ctx context.Context, p store.RedeliverParams) (store.Delivery, error)
	ResolveDelivery(ctx context.Context, p store.ResolveParams) (store.Delivery, error)

	// The pipeline's leases and findings: the pipeline reaches the store
	// through Service.Store, having no store of its own.
	ClaimJobWork(ctx context.Context, p store.ClaimParams) ([]store.Job, error)
	RenewJobWork(ctx context.Context, p store.RenewParams) error
	ReleaseJobWork(ctx context.Context, p store.ReleaseParams) error
	AddVersionFinding(ctx context.Context, p store.AddFindingParams) error
}

// Service is the job workflow.
type Service struct {
	Store Store
	// Now is the clock; tests set it.
	Now func() time.Time
	// Attempts is how many attempts a new callback delivery gets: the
	// length of the retry schedule.
	Attempts int
	// Lifetime is how long a new job lives; DefaultJobLifetime when zero.
	Lifetime time.Duration
	// Notify is called after a transition that created a delivery has
	// committed, to wake the callback worker. May be nil.
	Notify func()

	// Blobs keeps artwork files, reports and proofs. Upload and the file
	// readers refuse to work without it; nothing else needs it.
	Blobs blob.Store
	// MaxUploadBytes is the largest artwork file accepted, by upload or by
	// URL. Default DefaultMaxUploadBytes (1 GiB).
	MaxUploadBytes int64
	// Wake is called when the pipeline has new work (a new artwork
	// version, an artwork URL to fetch again, a proof to make again), to
	// wake it. May be nil: the pipeline also polls.
	Wake func()
}

// now is the clock in UTC at the precision both databases keep, so that a
// job read back equals the job created.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// NewJobParams is what a new job is made of: the validated request.
type NewJobParams struct {
	TenantID    string
	Livemode    bool
	ExternalID  string
	Metadata    []job.Metadata
	Brand       *job.Brand
	ArtworkURL  string
	CallbackURL string
	Preflight   *job.Expectations
	// Events are the event types sent as callbacks; nil means the
	// tenant's choice.
	Events []job.EventType
	// CreatedBy is who asked for the job (the API key).
	CreatedBy job.Creator
	// Locale is the job's language, a validated BCP 47 tag; "" for none.
	Locale string
}

// NewJob makes a job waiting for its upload. It is not stored: the caller
// may need its final form (to remember an idempotent response) before
// CreateJob stores it.
func (s *Service) NewJob(p NewJobParams) job.Job {
	now := s.now()
	life := s.Lifetime
	if life == 0 {
		life = DefaultJobLifetime
	}
	return job.Job{
		ID: id.NewAt(id.Job, now), TenantID: p.TenantID, Livemode: p.Livemode,
		ExternalID: p.ExternalID, Status: job.AwaitingUpload, Metadata: p.Metadata,
		Brand: p.Brand, ArtworkURL: p.ArtworkURL, CallbackURL: p.CallbackURL, Preflight: p.Preflight,
		Events: p.Events, UploadToken: id.Token(24), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(life),
		ArtworkFetch: fetchState(p.ArtworkURL), CreatedBy: p.CreatedBy, Locale: p.Locale,
	}
}

// fetchState is where fetching a new job's artwork URL starts: pending when
// there is one, so that the pipeline claims the job and fetches it.
func fetchState(artworkURL string) string {
	if artworkURL == "" {
		return ""
	}
	return store.FetchPending
}

// CreateJob stores a job made by NewJob, with its idempotency record if any.
// store.ErrConflict means the idempotency key was used meanwhile.
func (s *Service) CreateJob(ctx context.Context, j job.Job, idem *store.IdempotencyRecord) error {
	if err := s.Store.CreateJob(ctx, store.CreateJobParams{Job: j, Idempotency: idem}); err != nil {
		return fmt.Errorf("create job: %w", err)
	}
	if j.ArtworkFetch == store.FetchPending {
		s.wake() // the pipeline fetches the artwork URL
	}
	return nil
}

// Change is one requested move of a job.
type Change struct {
	TenantID         string
	JobID            string
	To               job.Status
	ArtworkVersionID string // the version the event is about, if any
	Errors           []job.Finding
	Files            map[string]string
	// Fixes, when set, become the version's fixes (pipeline, issue #15);
	// nil keeps them.
	Fixes []job.Fix
	// Print, when set, becomes the version's print choice.
	Print *store.PrintChoice
	// SetCurrentVersion makes ArtworkVersionID the job's current version.
	SetCurrentVersion bool
	// NewVersion, when set, is stored in the same transaction; its ID
	// must be ArtworkVersionID.
	NewVersion *store.ArtworkVersion
	// Pages, when above 0, records the version's page count.
	Pages int
	// ArtworkFetch, when set, becomes the job's artwork fetch state in the
	// same transaction.
	ArtworkFetch string
	// Actor is who asked for the move, when someone did.
	Actor job.Actor
	// Outcome, when set, records an event of this type that keeps the
	// job's status (job.Record says when it may), instead of a move; To
	// is then ignored.
	Outcome job.EventType
	// GaveUp, with Outcome, records that the pipeline gave up on the
	// job's current step.
	GaveUp bool
	// Changes, for an updated event, names the fields it changed.
	Changes []string
}

// Transition moves a job and records the event, and its callback delivery
// when the job or its tenant has a callback URL. It returns the event. A
// refused move wraps job.ErrTransition.
func (s *Service) Transition(ctx context.Context, c Change) (job.Event, error) {
	for try := 0; ; try++ {
		j, err := s.Store.Job(ctx, c.TenantID, c.JobID)
		if err != nil {
			return job.Event{}, fmt.Errorf("transition %s: %w", c.JobID, err)
		}
		ev, err := s.transitionFrom(ctx, j, c)
		if errors.Is(err, store.ErrStale) && try < 3 {
			continue // someone moved the job meanwhile: decide again on fresh state
		}
		return ev, err
	}
}

func (s *Service) transitionFrom(ctx context.Context, j job.Job, c Change) (job.Event, error) {
	typ, to, err := move(j, c)
	if err != nil {
		return job.Event{}, err
	}
	files, fixes, err := s.eventFiles(ctx, j, c)
	if err != nil {
		return job.Event{}, err
	}
	now := s.now()
	p := store.TransitionParams{
		TenantID: j.TenantID, JobID: j.ID, From: []job.Status{j.Status}, Outcome: c.Outcome != "",
		Event: job.Event{
			ID: id.NewAt(id.Event, now), JobID: j.ID, TenantID: j.TenantID, Livemode: j.Livemode,
			Type: typ, Status: to, OrderRef: j.ExternalID, ArtworkVersionID: c.ArtworkVersionID,
			Errors: c.Errors, Files: files, Fixes: fixes, Actor: c.Actor, Changes: c.Changes, OccurredAt: now,
		},
	}
	if c.GaveUp {
		p.GaveUp = now
	}
	if c.SetCurrentVersion {
		p.CurrentVersionID = c.ArtworkVersionID
	}
	p.Pages, p.ArtworkFetch, p.Print = c.Pages, c.ArtworkFetch, c.Print
	if c.NewVersion != nil {
		nv := *c.NewVersion
		nv.JobID, nv.TenantID, nv.Status = j.ID, j.TenantID, to
		if nv.CreatedAt.IsZero() {
			nv.CreatedAt = now
		}
		p.NewVersion = &nv
	}
	url, err := s.sendTo(ctx, j, typ)
	if err != nil {
		return job.Event{}, err
	}
	if url != "" {
		p.CallbackURL, p.DeliveryID, p.Attempts = url, id.NewAt(id.Delivery, now), s.attempts()
	}
	ev, err := s.Store.TransitionJob(ctx, p)
	if err != nil {
		return job.Event{}, fmt.Errorf("transition %s to %s: %w", j.ID, to, err)
	}
	if p.CallbackURL != "" {
		s.notify()
	}
	return ev, nil
}

// move is the event type a change records and the status it leaves the
// job in, or why it may not.
func move(j job.Job, c Change) (job.EventType, job.Status, error) {
	if c.Outcome != "" {
		return c.Outcome, j.Status, job.Record(j.Status, c.Outcome)
	}
	typ, err := job.Move(j.Status, c.To)
	return typ, c.To, err
}

// eventFiles is every file that exists at the event, those the version
// already has and those the change adds, and the version's fixes as the
// change leaves them. A callback body's files list what exists at that
// event, not only what it made (contract, Callbacks), and its fixes are
// those of the file that prints.
func (s *Service) eventFiles(ctx context.Context, j job.Job, c Change) (map[string]string, []job.Fix, error) {
	if c.ArtworkVersionID == "" || c.NewVersion != nil {
		return c.Files, c.Fixes, nil
	}
	v, err := s.Store.ArtworkVersion(ctx, j.TenantID, c.ArtworkVersionID)
	if errors.Is(err, store.ErrNotFound) {
		return c.Files, c.Fixes, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("transition %s: %w", j.ID, err)
	}
	fixes := c.Fixes
	if fixes == nil {
		fixes = v.Fixes
	}
	if len(v.Files) == 0 {
		return c.Files, fixes, nil
	}
	files := maps.Clone(v.Files)
	maps.Copy(files, c.Files)
	return files, fixes, nil
}

// sendTo is the URL an event of type typ of job j is sent to, or "" when
// it is not sent: there is no callback URL, or the job (or else its
// tenant) is not subscribed to the type. The tenant is read only when the
// job has no URL or no subscription of its own.
func (s *Service) sendTo(ctx context.Context, j job.Job, typ job.EventType) (string, error) {
	if j.CallbackURL != "" && j.Events != nil {
		if !typ.Sent(j.Events, nil) {
			return "", nil
		}
		return j.CallbackURL, nil
	}
	t, err := s.Store.Tenant(ctx, j.TenantID)
	if err != nil {
		return "", fmt.Errorf("read tenant of %s: %w", j.ID, err)
	}
	if !typ.Sent(j.Events, t.Settings.Events) {
		return "", nil
	}
	return cmp.Or(j.CallbackURL, t.Settings.CallbackURL), nil
}

// CallbackURL is where a job's events go now: its own URL, else its
// tenant's; "" when neither has one.
func (s *Service) CallbackURL(ctx context.Context, j job.Job) (string, error) {
	return (&urlCache{}).of(ctx, s, j)
}

// Cancel cancels a job on behalf of by (an API key or an operator). Cancelling a cancelled job returns it unchanged, so
// that an ERP may retry a cancel safely, and so does a cancel that lost the
// race to another one; other final statuses are refused.
func (s *Service) Cancel(ctx context.Context, tenantID, jobID string, by job.Actor) (job.Job, error) {
	_, err := s.Transition(ctx, Change{TenantID: tenantID, JobID: jobID, To: job.Cancelled, Actor: by})
	return s.settle(ctx, tenantID, jobID, job.Cancelled, err)
}

// settle answers a move to status to from the state that won: the job is
// read again after the move, so that a request that lost the race to
// another one asking for the same move succeeds as that one did, and a
// refusal returns the job as it is now, whose status the caller may name.
// A race lost to another move (a cancel after an approval) keeps its error.
func (s *Service) settle(ctx context.Context, tenantID, jobID string, to job.Status, err error) (job.Job, error) {
	j, rerr := s.Store.Job(ctx, tenantID, jobID)
	switch {
	case err == nil:
		return j, rerr
	case rerr == nil && j.Status == to && (errors.Is(err, job.ErrTransition) || errors.Is(err, store.ErrStale)):
		return j, nil
	}
	return j, err
}

// The finding codes of a proof the pipeline gave up rendering (job's).
// The pipeline records them with a proof_failed event; RetryProof removes
// them.
const (
	CodeProofFailed        = job.CodeProofFailed
	CodeProofServiceFailed = job.CodeProofServiceFailed
)

// RetryProof has the pipeline render a job's proof again after it gave
// up, and wakes it: the job stays preflight_passed, so no event is sent,
// and the customer's page goes back to "preparing your proof".
// store.ErrStale when there is no given-up proof to retry.
func (s *Service) RetryProof(ctx context.Context, tenantID, jobID string) (job.Job, error) {
	if err := s.Store.RetryProof(ctx, store.RetryProofParams{TenantID: tenantID, JobID: jobID, DropCodes: []string{CodeProofFailed, CodeProofServiceFailed}}); err != nil {
		return job.Job{}, err
	}
	s.wake()
	return s.Store.Job(ctx, tenantID, jobID)
}

// Refetch has the pipeline fetch a job's artwork URL again after the
// fetch failed, once the file's owner has fixed the cause, and wakes it.
// store.ErrStale when there is no failed fetch to retry: the job is
// final, or its fetch did not fail (it was asked for again meanwhile, or
// a file was uploaded).
func (s *Service) Refetch(ctx context.Context, tenantID, jobID string) (job.Job, error) {
	j, err := s.Store.Job(ctx, tenantID, jobID)
	if err != nil {
		return j, fmt.Errorf("refetch %s: %w", jobID, err)
	}
	if j.ArtworkFetch != store.FetchFailed || j.Status.Final() {
		return j, fmt.Errorf("refetch %s: the job is %s and its artwork fetch %q: %w", j.ID, j.Status, j.ArtworkFetch, store.ErrStale)
	}
	if err := s.Store.SetArtworkFetch(ctx, j.ID, store.FetchPending); err != nil {
		return j, fmt.Errorf("refetch %s: %w", j.ID, err)
	}
	s.wake()
	return s.Store.Job(ctx, tenantID, jobID)
}

// wake wakes the pipeline, if there is one to wake; it also polls.
func (s *Service) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

// ExpireDue moves every job whose lifetime has passed to expired, batch
// jobs at a time, and returns how many it moved itself.
//
// Every process sweeps, often in the same second. A job that another
// sweeper expired (or that became final or was deleted) meanwhile counts as
// handled, and the sweep goes on while a batch came back full: each sweep
// finishes all that is due instead of stopping at its own share of the
// first batch. A batch in which nothing could be handled ends the sweep
// (the next one tries again), so it never spins on jobs it cannot move.
func (s *Service) ExpireDue(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = 100
	}
	moved := 0
	for {
		jobs, err := s.Store.ListExpiredJobs(ctx, s.now(), batch)
		if err != nil {
			return moved, fmt.Errorf("find expired jobs: %w", err)
		}
		handled := 0
		for _, j := range jobs {
			_, err := s.Transition(ctx, Change{TenantID: j.TenantID, JobID: j.ID, To: job.Expired})
			switch {
			case err == nil:
				moved++
				handled++
			case errors.Is(err, job.ErrTransition), errors.Is(err, store.ErrNotFound):
				handled++ // final or deleted meanwhile: no longer due
			case errors.Is(err, store.ErrStale):
				// Moved again and again while we tried: still due, and
				// found again by the next batch or sweep.
			default:
				return moved, err
			}
		}
		if len(jobs) < batch || handled == 0 {
			return moved, nil
		}
	}
}
