package store

import (
	"context"
	"time"

	"github.com/atomyx/submit/internal/job"
)

// OperatorStore is the part of Store that keeps operators, their sign-in
// sessions, the audit log and the dashboard's counts.
type OperatorStore interface {
	// CreateUser inserts an operator; ErrConflict if the email is taken
	// (emails are unique across tenants: sign-in starts from the email).
	CreateUser(ctx context.Context, u User) error
	// UserByEmail finds an operator by email, compared case-insensitively.
	UserByEmail(ctx context.Context, email string) (User, error)
	// User returns an operator by id.
	User(ctx context.Context, userID string) (User, error)
	// ListUsers returns a tenant's operators, oldest first.
	ListUsers(ctx context.Context, tenantID string) ([]User, error)
	// SetUserDisabled disables one of the tenant's operators at p.At and
	// ends all their sessions, or with a zero p.At enables them again.
	// ErrNotFound for a user who is not the tenant's.
	SetUserDisabled(ctx context.Context, p SetUserDisabledParams) error
	// SetUserPassword replaces an operator's password hash and ends their
	// sessions but keep (the one that changed it; nil ends them all).
	// ErrNotFound for a user who is not the tenant's.
	SetUserPassword(ctx context.Context, p SetPasswordParams) error

	// CreateSession inserts a sign-in session.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session whose token hashes to tokenHash, if it has
	// not expired at the given time.
	Session(ctx context.Context, tokenHash []byte, at time.Time) (Session, error)
	// DeleteSession ends a session (sign-out); no error if it is gone.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteExpiredSessions removes sessions expired before the given time.
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error)

	// AppendAudit records who did what.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns a tenant's audit entries, newest first, from the
	// one after p.Before when it is set.
	ListAudit(ctx context.Context, p ListAuditParams) ([]AuditEntry, error)

	// JobCounts counts a tenant's jobs in one mode by status.
	JobCounts(ctx context.Context, tenantID string, livemode bool) (map[job.Status]int, error)
	// DeliveryCounts counts a tenant's deliveries in one mode that were
	// delivered, and that failed for good, since p.Since; and the open
	// exceptions, whenever they failed. Test pings are not counted.
	DeliveryCounts(ctx context.Context, p DeliveryCountsParams) (DeliveryCounts, error)
	// ListFetchFailures returns a tenant's jobs in one mode whose artwork URL
	// could not be fetched (ArtworkFetch "failed") and that are not final,
	// the most recently updated first: the other kind of workflow exception.
	ListFetchFailures(ctx context.Context, p FailedJobsParams) ([]Job, error)
	// ListProofFailures returns a tenant's jobs in one mode whose proof the
	// pipeline gave up rendering (preflight_passed with WorkGaveUpAt set),
	// the most recently updated first: they wait for an operator.
	ListProofFailures(ctx context.Context, p FailedJobsParams) ([]Job, error)
}

// ListAuditParams pages through an audit log.
type ListAuditParams struct {
	TenantID string
	// Before is the id of the last entry of the previous page: entries
	// older than it are listed. An id that is not the tenant's lists
	// nothing.
	Before string
	Limit  int
}

// SetPasswordParams replaces an operator's password.
type SetPasswordParams struct {
	TenantID, UserID string
	PasswordHash     string
	// Keep is the token hash of a session to keep signed in.
	Keep []byte
}

// SetUserDisabledParams disables an operator, or with a zero At enables
// them again.
type SetUserDisabledParams struct {
	TenantID, UserID string
	At               time.Time
}

// DeliveryCountsParams selects the deliveries the dashboard counts.
type DeliveryCountsParams struct {
	TenantID string
	Livemode bool
	Since    time.Time
}

// FailedJobsParams selects jobs stuck on a failed pipeline step.
type FailedJobsParams struct {
	TenantID string
	Livemode bool
	Limit    int
}

// Operator roles. Admins manage keys, secrets, settings and users;
// operators work on jobs and exceptions.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
)

// User is an operator of one tenant.
type User struct {
	ID           string
	TenantID     string
	Email        string
	PasswordHash string // argon2id or bcrypt, in its encoded form
	Role         string
	CreatedAt    time.Time
	// DisabledAt is when an admin disabled the operator, zero while they
	// may sign in.
	DisabledAt time.Time
}

// Session is a signed-in browser. The cookie holds a random token; only its
// SHA-256 is stored, so a database leak signs nobody in.
type Session struct {
	TokenHash []byte
	UserID    string
	TenantID  string
	// CSRFToken is the session's token for state-changing forms.
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuditEntry is one action taken in Manage or the CLI.
type AuditEntry struct {
	ID       string
	TenantID string
	// Actor is a user id, or "cli" for commands run on the server.
	Actor      string
	ActorEmail string
	Action     string // e.g. "key.create", "secret.rotate", "delivery.redeliver"
	Target     string // the object acted on, e.g. "key_…"
	Detail     string
	At         time.Time
}

// DeliveryCounts are the dashboard's delivery figures.
type DeliveryCounts struct {
	Delivered      int
	Failed         int
	OpenExceptions int
}
