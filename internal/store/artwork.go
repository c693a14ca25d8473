package store

import (
	"context"
	"time"

	"github.com/atomyx/submit/internal/job"
)

// ArtworkStore is the part of Store that keeps artwork versions and the
// leases of the pipeline that processes them.
type ArtworkStore interface {
	// ListArtworkVersions returns a job's versions, oldest first.
	ListArtworkVersions(ctx context.Context, tenantID, jobID string) ([]ArtworkVersion, error)
	// ArtworkVersion returns one version of the tenant's.
	ArtworkVersion(ctx context.Context, tenantID, versionID string) (ArtworkVersion, error)
	// ArtworkVersionsByID returns the tenant's versions among ids, in no
	// particular order: for a page that lists many jobs' current versions
	// in one read.
	ArtworkVersionsByID(ctx context.Context, tenantID string, ids []string) ([]ArtworkVersion, error)

	// AddVersionFinding appends p.Finding to a version's errors outside
	// any transition: for what goes wrong after the version's last event,
	// such as a proof that cannot be rendered. ErrNotFound for a version
	// that is not the tenant's.
	AddVersionFinding(ctx context.Context, p AddFindingParams) error

	// ClaimJobWork leases up to p.Limit jobs that the pipeline must move on
	// to p.Worker until p.Now + p.Lease: jobs in status uploaded,
	// preflighting or preflight_passed, and jobs whose artwork URL is to be
	// fetched (ArtworkFetch "pending") in a status that takes a new version
	// (awaiting_upload, preflight_failed, rejected: Manage may ask for a
	// fetch again), whose lease is free or has run out and that the
	// pipeline has not given up on. A job whose worker died is claimed again
	// when its lease runs out: that is how work survives a crash. Each claim
	// counts as an attempt (Job.WorkAttempts); a change of status starts the
	// count over, with a claim in progress as the first attempt. On PostgreSQL, FOR UPDATE SKIP LOCKED.
	ClaimJobWork(ctx context.Context, p ClaimParams) ([]Job, error)
	// RenewJobWork extends to p.Until a lease p.Worker still holds;
	// ErrStale if it lost it.
	RenewJobWork(ctx context.Context, p RenewParams) error
	// ReleaseJobWork ends a lease the worker holds (no error if it does not).
	ReleaseJobWork(ctx context.Context, p ReleaseParams) error
	// SetArtworkFetch records the state of fetching a job's artwork URL:
	// "pending", "done" or "failed". The job's attempts start over, so that
	// a fetch asked for again is tried again.
	SetArtworkFetch(ctx context.Context, jobID, state string) error
	// RetryProof has the pipeline render a proof it gave up on again: for
	// a job of the tenant's in preflight_passed with WorkGaveUpAt set, it
	// clears that, starts the attempts over and removes the findings with
	// codes p.DropCodes (the record of the failure) from the current
	// version, in one transaction. ErrNotFound for a job that is not the
	// tenant's; ErrStale when there is no given-up proof (another operator
	// retried it, or the job moved on).
	RetryProof(ctx context.Context, p RetryProofParams) error

	// ServerSecret returns the secret stored under name, storing candidate
	// first when there is none, so that every process of an installation
	// shares one (the key that signs file links).
	ServerSecret(ctx context.Context, name string, candidate []byte) ([]byte, error)
}

// AddFindingParams names a version of the tenant's and the finding to
// append to its errors.
type AddFindingParams struct {
	TenantID, VersionID string
	Finding             job.Finding
}

// RenewParams extends a lease of the pipeline.
type RenewParams struct {
	JobID, Worker string
	Until         time.Time
}

// ReleaseParams ends a lease of the pipeline.
type ReleaseParams struct {
	JobID, Worker string
	// Abandoned: the worker stopped before the step ended (a shutdown),
	// so the claim does not count as an attempt.
	Abandoned bool
	// GaveUp, when set, records that the pipeline gave up on the job at
	// that time: ClaimJobWork leaves it alone until its status changes.
	GaveUp time.Time
}

// RetryProofParams names a job whose proof is to be made again, and the
// code of the findings that recorded the failure.
type RetryProofParams struct {
	TenantID, JobID string
	DropCodes       []string
}

// ArtworkVersion is one file uploaded for a job (or the failed attempt to
// fetch one). Its Status follows the job's while it is the current version
// and keeps its last value after a newer version arrives.
type ArtworkVersion struct {
	ID       string
	JobID    string
	TenantID string
	Filename string
	Size     int64
	SHA256   string // hex; empty when no file arrived
	// BlobKey names the original file in blob storage; empty when no file
	// arrived.
	BlobKey string
	Status  job.Status
	Errors  []job.Finding
	// Files maps a kind ("processed_pdf", "proof", "preflight_report") to a
	// blob key. The workflow package names the keys (workflow.ProofKey…).
	Files map[string]string
	// Fixes are what Submit changed in the file that prints
	// (Files["processed_pdf"]); nil when it printed the upload unchanged.
	Fixes []job.Fix
	// Print is what prints and what the customer may print instead; nil
	// before preflight passed.
	Print *PrintChoice
	// Pages is the page count preflight found, 0 before.
	Pages     int
	CreatedAt time.Time
}

// PrintChoice is the file a version prints and the one its customer may
// choose instead (issue #15): the fixed file is shown and printed unless
// the customer, offered fixes, approves the file without them.
type PrintChoice struct {
	// SHA256 is the hex SHA-256 of the file that prints
	// (Files["processed_pdf"]); after approval, of the file approved.
	SHA256 string `json:"sha256"`
	// Unchanged is the file without the offered fixes, when the profile
	// offered fixes that applied and that file passes preflight; nil
	// otherwise.
	Unchanged *PrintFile `json:"unchanged,omitempty"`
	// Chosen is what was approved: PrintFixed or PrintUnchanged; empty
	// before approval, and when there was no choice.
	Chosen string `json:"chosen,omitempty"`
}

// What a customer chose to print.
const (
	PrintFixed     = "fixed"
	PrintUnchanged = "unchanged"
)

// PrintFile is a file the customer may print, with its report, its proof
// (blob keys) and what was fixed in it.
type PrintFile struct {
	PDF    string        `json:"pdf"`
	SHA256 string        `json:"sha256"`
	Report string        `json:"report"`
	Proof  string        `json:"proof,omitempty"` // the proof PDF; its pages are listed beside it (workflow.ProofManifestKey)
	Fixes  []job.Fix     `json:"fixes"`
	Errors []job.Finding `json:"errors"`
}

// Artwork fetch states of a job created with an artwork URL.
const (
	FetchPending = "pending"
	FetchDone    = "done"
	FetchFailed  = "failed"
)
