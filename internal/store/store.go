// Package store defines how Submit persists its data: one interface, the row
// types and the sentinel errors. One implementation, store/sqldb, runs on
// SQLite and on PostgreSQL (store/sqlite and store/postgres open each with
// its dialect and migrations), and passes the conformance suite in
// store/storetest on both.
//
// A store knows SQL and nothing of HTTP; it does not decide what is allowed
// (the job and workflow packages do), it only makes each change atomic.
package store

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/job"
)

// Sentinel errors. Implementations wrap them; callers test with errors.Is.
var (
	// ErrNotFound: no row matches. Never returned as (zero, nil).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value is taken (tenant name, idempotency key).
	ErrConflict = errors.New("conflict")
	// ErrStale: the row changed since it was read (a transition whose
	// expected status no longer holds). The caller reloads and decides again.
	ErrStale = errors.New("stale")
)

// Store is everything Submit keeps. Its methods follow one convention, so
// that sixty of them stay easy to read:
//   - ctx comes first, then a params struct when more than two other
//     arguments would follow;
//   - a write is named verb first: CreateJob, RevokeAPIKey, ClaimDeliveries;
//   - a read of one thing is named for what it returns, as Go getters are:
//     Job, TenantByName; a read of several is List and the plural:
//     ListJobs, ListJobsByID.
//
// No consumer takes Store whole. Each declares the few methods it calls in
// an interface of its own, beside the code that calls them (workflow.Store,
// vault.Store, the API's apiStore), as the standard library hands io.Reader
// rather than *os.File; serve opens one store and passes it to each.
type Store interface {
	ArtworkStore
	OperatorStore
	LogoStore
	LimitStore
	DashboardStore

	// Close releases the database.
	Close() error
	// Ping checks that the database answers, for /readyz.
	Ping(ctx context.Context) error

	// CreateTenant inserts a tenant; ErrConflict if the name is taken.
	CreateTenant(ctx context.Context, t Tenant) error
	// Tenant returns a tenant by id.
	Tenant(ctx context.Context, id string) (Tenant, error)
	// TenantByName returns a tenant by its unique name.
	TenantByName(ctx context.Context, name string) (Tenant, error)
	// ListTenants returns every tenant, oldest first.
	ListTenants(ctx context.Context) ([]Tenant, error)
	// UpdateTenantSettings replaces a tenant's defaults. When they have a
	// callback URL, the pending deliveries of the tenant's jobs that have
	// no callback URL of their own go to it from then on, in the same
	// transaction: retries follow a job's current URL. Without one, they
	// stay where they were going.
	UpdateTenantSettings(ctx context.Context, tenantID string, s TenantSettings) error

	// CreateAPIKey inserts a key; ErrConflict if its lookup is taken.
	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKeyByLookup returns the key whose public lookup part is given,
	// revoked or not: the caller tells the two apart to explain a 401.
	APIKeyByLookup(ctx context.Context, lookup string) (APIKey, error)
	// ListAPIKeys returns a tenant's keys, newest first, revoked ones too.
	ListAPIKeys(ctx context.Context, tenantID string) ([]APIKey, error)
	// RevokeAPIKey marks a key revoked at p.At and returns it. Revoking a
	// revoked key keeps the first time. ErrNotFound if the key is not the
	// tenant's.
	RevokeAPIKey(ctx context.Context, p RevokeAPIKeyParams) (APIKey, error)
	// TouchAPIKey records that a key was used. Implementations may skip the
	// write when the stored time is less than a minute older.
	TouchAPIKey(ctx context.Context, keyID string, at time.Time) error

	// RotateSigningSecret adds a new active secret for the tenant and makes
	// every other secret without an expiry expire at p.OldExpiresAt. The
	// first secret of a tenant is made the same way.
	RotateSigningSecret(ctx context.Context, p RotateSecretParams) error
	// ListSigningSecrets returns the tenant's secrets valid at the given time,
	// newest first. The first is the one shown to operators.
	ListSigningSecrets(ctx context.Context, tenantID string, at time.Time) ([]SigningSecret, error)

	// CreateJob inserts a job. With p.Idempotency set, it also stores the
	// idempotency record in the same transaction; if the tenant already has
	// a record with that key and mode, nothing is written and ErrConflict is
	// returned, so the caller reads the record and replays or refuses.
	CreateJob(ctx context.Context, p CreateJobParams) error
	// Job returns a job by id, only if it belongs to the tenant.
	Job(ctx context.Context, tenantID, jobID string) (Job, error)
	// ListJobsByID returns the tenant's jobs among ids, in no order; an id
	// that is not the tenant's job is left out. For pages that list many
	// things, each of some job.
	ListJobsByID(ctx context.Context, tenantID string, ids []string) ([]Job, error)
	// JobByUploadToken returns the job whose upload link carries token.
	JobByUploadToken(ctx context.Context, token string) (Job, error)
	// ListJobs returns one page of a tenant's jobs in one mode, newest first.
	ListJobs(ctx context.Context, p ListJobsParams) ([]Job, error)
	// TransitionJob moves a job from one of p.From to p.Event.Status, bumps
	// its sequence, applies p.Patch, inserts the event and, when
	// p.CallbackURL is set, a pending delivery of it: all in one
	// transaction. It fills in the
	// event's Sequence and returns it. ErrStale if the job's status is not
	// in p.From, ErrNotFound if there is no such job.
	TransitionJob(ctx context.Context, p TransitionParams) (job.Event, error)
	// ListEvents returns a job's events in sequence order.
	ListEvents(ctx context.Context, tenantID, jobID string) ([]job.Event, error)
	// Event returns one event by id.
	Event(ctx context.Context, eventID string) (job.Event, error)
	// ListExpiredJobs returns up to limit jobs that are not final and whose
	// ExpiresAt is before the given time.
	ListExpiredJobs(ctx context.Context, before time.Time, limit int) ([]Job, error)
	// DeleteJob removes one of the tenant's jobs with everything stored
	// about it (events, deliveries and their attempts, artwork versions,
	// the idempotency record that created it) in one transaction.
	// ErrNotFound if the tenant has no such job. Whether a job may be
	// deleted is the caller's decision; its files are the caller's too.
	DeleteJob(ctx context.Context, tenantID, jobID string) error

	// IdempotencyRecord returns the record for a tenant, mode and key.
	IdempotencyRecord(ctx context.Context, p IdempotencyLookup) (IdempotencyRecord, error)
	// DeleteIdempotencyRecords removes records created before the given
	// time and returns how many it removed.
	DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int64, error)

	// ClaimDeliveries leases up to p.Limit due deliveries to one worker until
	// p.Now + p.Lease and returns them with their event, each counted as an
	// attempt started (ClaimedDelivery.Attempt). A delivery is due when it
	// is pending, its NextAttemptAt has come and no lease on it is running.
	// A delivery whose job has an earlier pending delivery to the same URL
	// that was never attempted is not due: events of one job are first
	// attempted in sequence order. No host (HostKey) gets more than
	// p.PerHost leased deliveries, counting those every worker holds: a
	// lease is an attempt in flight, so the limit holds across processes.
	// Claims are serialised (an advisory lock on PostgreSQL, the single
	// writer on SQLite), so two claimers never take the same row or the
	// same host's last slot.
	ClaimDeliveries(ctx context.Context, p ClaimParams) ([]ClaimedDelivery, error)
	// RenewDeliveries moves the leases p.Worker holds on p.IDs to p.Until:
	// the worker's heartbeat while their attempts are under way, and, with
	// Until at or before now, their release. Leases another worker took
	// over are left alone.
	RenewDeliveries(ctx context.Context, p RenewDeliveriesParams) error
	// RecordAttempt stores one attempt and updates the delivery in one
	// transaction: delivered, pending again at p.NextAttemptAt, or failed
	// for good (an exception). It clears the lease. ErrStale if the lease was
	// lost (another worker has the delivery now), so the attempt is not
	// counted twice.
	RecordAttempt(ctx context.Context, p AttemptParams) (Delivery, error)
	// RecordAttempts records several attempts in one transaction, as
	// RecordAttempt each, so that one commit serves them all. errs has one
	// entry per attempt: nil, or ErrStale or ErrNotFound as RecordAttempt
	// would return; err means that none was recorded.
	RecordAttempts(ctx context.Context, ps []AttemptParams) (errs []error, err error)
	// Delivery returns one delivery of the tenant's.
	Delivery(ctx context.Context, tenantID, deliveryID string) (Delivery, error)
	// ListDeliveries returns a job's deliveries in event sequence order.
	ListDeliveries(ctx context.Context, tenantID, jobID string) ([]Delivery, error)
	// ListAttempts returns a delivery's attempts, first first.
	ListAttempts(ctx context.Context, deliveryID string) ([]Attempt, error)
	// ListJobAttempts returns the attempts of all a job's deliveries in one
	// query, by delivery id and first first within each: a job's timeline
	// would otherwise ask once per delivery.
	ListJobAttempts(ctx context.Context, tenantID, jobID string) (map[string][]Attempt, error)
	// ListExceptions returns a tenant's deliveries that failed for good and
	// are not resolved, oldest first.
	ListExceptions(ctx context.Context, p ListExceptionsParams) ([]Delivery, error)
	// Redeliver makes a failed, resolved or delivered delivery pending again,
	// due at p.At, with p.Attempts attempts left, to p.URL when set; the
	// attempt numbers go on counting up. It clears any resolution. A
	// pending delivery is returned unchanged. A test ping (no job) is never
	// sent again: ErrStale.
	Redeliver(ctx context.Context, p RedeliverParams) (Delivery, error)
	// ResolveDelivery closes an exception without delivering it, with a note.
	ResolveDelivery(ctx context.Context, p ResolveParams) (Delivery, error)
	// CreateDelivery inserts a delivery that belongs to no transition: a
	// test ping.
	CreateDelivery(ctx context.Context, d Delivery) error
	// NextDeliveryAt returns when the earliest pending delivery falls due, so
	// a worker can sleep until then; ErrNotFound when none is pending.
	NextDeliveryAt(ctx context.Context) (time.Time, error)
}

// Tenant is one print business using Submit.
type Tenant struct {
	ID        string
	Name      string
	Settings  TenantSettings
	CreatedAt time.Time
}

// TenantSettings are a tenant's defaults for its jobs.
type TenantSettings struct {
	CallbackURL      string
	Brand            *job.Brand
	PreflightProfile string
	// Locale is the BCP 47 tag of the customer page's language when
	// neither the job nor the customer's browser names one we have.
	Locale string
	// Events are the event types sent to callback URLs for jobs that did
	// not choose their own; nil means job.DefaultEvents.
	Events []job.EventType
}

// Key modes. A test key creates test jobs, which never mix with live ones.
const (
	ModeLive = "live"
	ModeTest = "test"
)

// APIKey is a tenant's credential for the API. Only a hash of the secret is
// kept; the key itself is shown once, when it is made.
type APIKey struct {
	ID       string
	TenantID string
	Name     string
	// Lookup is the public part of the key that finds its row; the hash is
	// then compared in constant time.
	Lookup     string
	Hash       []byte // SHA-256 of the whole key
	Livemode   bool
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// RevokeAPIKeyParams revokes one of a tenant's keys.
type RevokeAPIKeyParams struct {
	TenantID, KeyID string
	At              time.Time
}

// SigningSecret signs callbacks. It is kept in clear because signing needs it.
type SigningSecret struct {
	ID        string
	TenantID  string
	Secret    string // "whsec_" + base64 of 32 random bytes
	CreatedAt time.Time
	ExpiresAt *time.Time // nil while it is the active secret
}

// RotateSecretParams adds a secret and sets the expiry of the old ones.
type RotateSecretParams struct {
	New          SigningSecret
	OldExpiresAt time.Time
}

// Job is the stored job.
type Job = job.Job

// CreateJobParams inserts a job, optionally with its idempotency record.
type CreateJobParams struct {
	Job         Job
	Idempotency *IdempotencyRecord
}

// ListJobsParams selects one page of jobs. After is the id of the last job of
// the previous page; ids sort by creation time.
type ListJobsParams struct {
	TenantID   string
	Livemode   bool
	ExternalID string     // exact match when set
	Status     job.Status // when set
	After      string
	Limit      int
}

// TransitionParams is one move of the state machine, persisted atomically.
type TransitionParams struct {
	TenantID string
	JobID    string
	From     []job.Status
	// Event is the event to record; its Sequence is assigned by the store.
	// Event.Status is the job's new status.
	Event job.Event
	// CurrentVersionID, when set, becomes the job's current artwork version.
	CurrentVersionID string
	// CallbackURL, when set, gets a pending delivery of the event, due at
	// Event.OccurredAt, with DeliveryID as its id and Attempts attempts.
	CallbackURL string
	DeliveryID  string
	Attempts    int
	// NewVersion, when set, is inserted in the same transaction before the
	// event, whose ArtworkVersionID names it. When Event.ArtworkVersionID is
	// set, that version's status becomes Event.Status, its errors become
	// Event.Errors when those are non-nil, and Event.Files are merged into
	// its files: a version always agrees with the job's last event about it.
	NewVersion *ArtworkVersion
	// Pages, when above 0, becomes the page count of Event.ArtworkVersionID.
	Pages int
	// Print, when set, becomes the print choice of Event.ArtworkVersionID.
	Print *PrintChoice
	// ArtworkFetch, when set, becomes the job's ArtworkFetch: a fetch that
	// failed, or an upload that makes a pending fetch needless, is recorded
	// with its transition, never apart from it.
	ArtworkFetch string
	// Outcome records an event that keeps the job's status (Event.Status
	// must be among From): proof_failed, updated. The pipeline's count of
	// attempts is left alone, and Event.Errors are added to the version's
	// errors (replacing those of the same codes) instead of replacing them.
	Outcome bool
	// GaveUp, with Outcome, records that the pipeline gave up on the job's
	// current step at that time (Job.WorkGaveUpAt).
	GaveUp time.Time
	// Sequence, when set, is the job's sequence the change was decided on:
	// ErrStale if another event was recorded meanwhile, so that a change
	// computed from the job as read (a merge patch) never overwrites one
	// made since.
	Sequence *int64
	// Patch, with Outcome, changes the job's fields in the same
	// transaction as its updated event.
	Patch *JobPatch
}

// JobPatch is a change of a job's fields (PATCH /api/jobs/{id}). A nil
// field is left as it is; a field that points at its zero value removes
// the value: no callback URL of the job's own (its tenant's applies), no
// metadata, brand or expectations.
type JobPatch struct {
	CallbackURL *string
	Metadata    *[]job.Metadata
	Brand       *job.Brand
	Preflight   *job.Expectations
	ExpiresAt   *time.Time
	// PendingURL, when set, is where the job's pending deliveries go from
	// now on: retries follow the job's current callback URL (its own, or
	// its tenant's). Deliveries that were delivered, failed or resolved
	// keep the URL they went to; a redelivery moves them.
	PendingURL string
}

// IdempotencyRecord remembers the response to a POST sent with an
// Idempotency-Key, so that a retry gets the same answer.
type IdempotencyRecord struct {
	TenantID    string
	Livemode    bool
	Key         string
	RequestHash string // SHA-256 of method, path and body
	StatusCode  int
	Body        []byte
	CreatedAt   time.Time
}

// IdempotencyLookup names one idempotency record.
type IdempotencyLookup struct {
	TenantID string
	Livemode bool
	Key      string
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryDelivered = "delivered" // a 2xx came back
	DeliveryFailed    = "failed"    // every attempt failed: a workflow exception
	DeliveryResolved  = "resolved"  // an operator closed the exception
)

// Delivery is one event on its way to one callback URL. It keeps its id on
// every attempt (X-Atomyx-Delivery).
type Delivery struct {
	ID       string
	TenantID string
	JobID    string // empty for a test ping
	EventID  string // empty for a test ping
	Livemode bool
	URL      string
	State    string
	// Attempts counts every attempt ever made; AttemptsLeft the ones left in
	// this round (a redelivery starts a new round).
	Attempts      int
	AttemptsLeft  int
	NextAttemptAt time.Time
	LastAttemptAt *time.Time
	LastStatus    int    // HTTP status of the last attempt, 0 if none
	LastError     string // why the last attempt failed
	CreatedAt     time.Time
	DeliveredAt   *time.Time
	FailedAt      *time.Time
	ResolvedAt    *time.Time
	ResolvedNote  string
	// Sequence is the event's sequence, 0 for a ping; set on reads.
	Sequence int64
}

// ClaimParams leases due deliveries.
type ClaimParams struct {
	Now   time.Time
	Lease time.Duration
	Limit int
	// PerHost bounds the deliveries leased to one host at once, across
	// every worker. Zero or less: no bound.
	PerHost int
	// Worker names the claimer, so that RecordAttempt can tell a lost lease.
	Worker string
}

// ClaimedDelivery is a leased delivery with what is needed to send it.
type ClaimedDelivery struct {
	Delivery Delivery
	Event    *job.Event // nil for a test ping
	// Attempt is the number of the attempt this claim is for: counted when
	// claimed, before anything is sent, so that an attempt cut off by a
	// crash is never numbered again.
	Attempt int
	// Secrets are the tenant's signing secrets valid at the claim, newest
	// first, read with the claim so that sending needs no read of its own.
	Secrets []string
}

// RenewDeliveriesParams moves a worker's leases.
type RenewDeliveriesParams struct {
	Worker string
	IDs    []string
	Until  time.Time
}

// HostKey is what the per-host limit counts by: the URL's host and port,
// lower case, with the scheme's default port written out, so that two
// spellings of one receiver share its slots. "" when raw is not a URL.
func HostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// AttemptParams records one attempt's outcome.
type AttemptParams struct {
	DeliveryID string
	Worker     string
	Attempt    Attempt
	// Outcome is DeliveryDelivered, DeliveryPending (retry at NextAttemptAt)
	// or DeliveryFailed (no attempts left).
	Outcome       string
	NextAttemptAt time.Time
}

// Attempt is one try at a delivery, kept for operators.
type Attempt struct {
	ID         string
	DeliveryID string
	Number     int // 1 for the first attempt of the delivery, counting on over redeliveries
	StartedAt  time.Time
	Duration   time.Duration
	StatusCode int    // 0 when no response came
	Response   string // the first 4 KiB of the response body
	Error      string // connection error, timeout, redirect refused, …
}

// ListExceptionsParams selects workflow exceptions.
type ListExceptionsParams struct {
	TenantID string
	Livemode bool
	URL      string // only those to this callback URL, when set
	Limit    int
}

// RedeliverParams starts a new round of attempts for a delivery.
type RedeliverParams struct {
	TenantID   string
	DeliveryID string
	At         time.Time
	Attempts   int
	// URL, when set, is where the new round goes: the job's callback URL
	// now, which may not be the one the delivery was first sent to.
	URL string
}

// ResolveParams closes an exception.
type ResolveParams struct {
	TenantID   string
	DeliveryID string
	Note       string
	At         time.Time
}
