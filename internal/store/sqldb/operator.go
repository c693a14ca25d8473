package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

var _ store.OperatorStore = (*DB)(nil)

const userColumns = `id, tenant_id, email, password_hash, role, created_at`

// userSelect is what a read of a user selects: userColumns, which a user
// is created with, and what changes later.
const userSelect = userColumns + `, disabled_at`

func scanUser(row scanner) (store.User, error) {
	var u store.User
	var disabled *time.Time
	err := row.Scan(&u.ID, &u.TenantID, &u.Email, &u.PasswordHash, &u.Role, timeDest{&u.CreatedAt}, nullTimeDest{&disabled})
	if disabled != nil {
		u.DisabledAt = *disabled
	}
	return u, err
}

// emailKey is the form in which emails are compared: lower-cased here, not
// in SQL, so that both databases agree whatever their collation.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser inserts an operator; store.ErrConflict if the email is taken in
// any tenant.
func (db *DB) CreateUser(ctx context.Context, u store.User) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, email_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		u.ID, u.TenantID, u.Email, u.PasswordHash, u.Role, db.t(u.CreatedAt), emailKey(u.Email))
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.ID, db.conflict(err))
	}
	return nil
}

// UserByEmail finds an operator by email, compared case-insensitively.
func (db *DB) UserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx,
		`SELECT `+userSelect+` FROM users WHERE email_key = $1`, emailKey(email)))
	if err != nil {
		return store.User{}, fmt.Errorf("user by email: %w", notFound(err))
	}
	return u, nil
}

// User returns an operator by id.
func (db *DB) User(ctx context.Context, userID string) (store.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx,
		`SELECT `+userSelect+` FROM users WHERE id = $1`, userID))
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", userID, notFound(err))
	}
	return u, nil
}

// ListUsers returns a tenant's operators, oldest first.
func (db *DB) ListUsers(ctx context.Context, tenantID string) ([]store.User, error) {
	us, err := queryAll(ctx, db.r, scanUser,
		`SELECT `+userSelect+` FROM users WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list users of %s: %w", tenantID, err)
	}
	return us, nil
}

const sessionColumns = `token_hash, user_id, tenant_id, csrf_token, created_at, expires_at`

// SetUserDisabled disables or enables one of the tenant's users; a
// disabled user's sessions end in the same transaction.
func (db *DB) SetUserDisabled(ctx context.Context, p store.SetUserDisabledParams) error {
	var disabled any
	if !p.At.IsZero() {
		disabled = db.t(p.At)
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = $1 WHERE id = $2 AND tenant_id = $3`,
			disabled, p.UserID, p.TenantID)
		if err == nil {
			err = mustAffect(res)
		}
		if err != nil || p.At.IsZero() {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, p.UserID)
		return err
	})
	if err != nil {
		return fmt.Errorf("set user %s disabled: %w", p.UserID, err)
	}
	return nil
}

// SetUserPassword replaces a user's password hash and ends their other
// sessions in the same transaction.
func (db *DB) SetUserPassword(ctx context.Context, p store.SetPasswordParams) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND tenant_id = $3`,
			p.PasswordHash, p.UserID, p.TenantID)
		if err == nil {
			err = mustAffect(res)
		}
		if err != nil {
			return err
		}
		keep := p.Keep
		if keep == nil {
			keep = []byte{} // matches no session
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, p.UserID, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("set the password of user %s: %w", p.UserID, err)
	}
	return nil
}

// CreateSession inserts a sign-in session.
func (db *DB) CreateSession(ctx context.Context, s store.Session) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		s.TokenHash, s.UserID, s.TenantID, s.CSRFToken, db.t(s.CreatedAt), db.t(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session of %s: %w", s.UserID, db.conflict(err))
	}
	return nil
}

// Session returns the session whose token hashes to tokenHash, unless it
// has expired at the given time.
func (db *DB) Session(ctx context.Context, tokenHash []byte, at time.Time) (store.Session, error) {
	var s store.Session
	err := db.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE token_hash = $1 AND expires_at > $2`, tokenHash, db.t(at)).
		Scan(&s.TokenHash, &s.UserID, &s.TenantID, &s.CSRFToken, timeDest{&s.CreatedAt}, timeDest{&s.ExpiresAt})
	if err != nil {
		// Never the token hash in the message: logs are not for credentials.
		return store.Session{}, fmt.Errorf("session: %w", notFound(err))
	}
	return s, nil
}

// DeleteSession ends a session; no error if it is gone.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions expired before the given time.
func (db *DB) DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, db.t(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}

const auditColumns = `id, tenant_id, actor, actor_email, action, target, detail, occurred_at`

// AppendAudit records who did what.
func (db *DB) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.TenantID, e.Actor, e.ActorEmail, e.Action, e.Target, e.Detail, db.t(e.At))
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, db.conflict(err))
	}
	return nil
}

// ListAudit returns a tenant's newest audit entries first. Ids sort by
// creation time, so they break ties between entries of the same instant.
func (db *DB) ListAudit(ctx context.Context, p store.ListAuditParams) ([]store.AuditEntry, error) {
	var q params
	query := `SELECT ` + auditColumns + ` FROM audit_log WHERE tenant_id = ` + q.add(p.TenantID)
	if p.Before != "" {
		// Keyset paging in the order of the list: (occurred_at, id).
		b := q.add(p.Before)
		query += ` AND (occurred_at, id) < (SELECT occurred_at, id FROM audit_log WHERE id = ` + b +
			` AND tenant_id = $1)`
	}
	query += ` ORDER BY occurred_at DESC, id DESC LIMIT ` + q.add(limitOr(p.Limit))
	es, err := queryAll(ctx, db.r, func(row scanner) (store.AuditEntry, error) {
		var e store.AuditEntry
		err := row.Scan(&e.ID, &e.TenantID, &e.Actor, &e.ActorEmail, &e.Action, &e.Target, &e.Detail, timeDest{&e.At})
		return e, err
	}, query, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list audit of %s: %w", p.TenantID, err)
	}
	return es, nil
}

// JobCounts counts a tenant's jobs in one mode by status.
func (db *DB) JobCounts(ctx context.Context, tenantID string, livemode bool) (map[job.Status]int, error) {
	type row struct {
		status job.Status
		n      int
	}
	rows, err := queryAll(ctx, db.r, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.status, &r.n)
	}, `SELECT status, COUNT(*) FROM jobs WHERE tenant_id = $1 AND livemode = $2 GROUP BY status`,
		tenantID, livemode)
	if err != nil {
		return nil, fmt.Errorf("count jobs of %s: %w", tenantID, err)
	}
	out := make(map[job.Status]int, len(rows))
	for _, r := range rows {
		out[r.status] = r.n
	}
	return out, nil
}

// DeliveryCounts counts the tenant's delivered and failed deliveries since
// the given time and its open exceptions, pings left out, in one query.
func (db *DB) DeliveryCounts(ctx context.Context, p store.DeliveryCountsParams) (store.DeliveryCounts, error) {
	var c store.DeliveryCounts
	err := db.r.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN delivered_at >= $3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failed_at >= $3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0)
		FROM deliveries WHERE tenant_id = $1 AND livemode = $2 AND job_id IS NOT NULL
		AND (delivered_at >= $3 OR failed_at >= $3 OR state = 'failed')`,
		p.TenantID, p.Livemode, db.t(p.Since)).Scan(&c.Delivered, &c.Failed, &c.OpenExceptions)
	if err != nil {
		return c, fmt.Errorf("count deliveries of %s: %w", p.TenantID, err)
	}
	return c, nil
}

// ListFetchFailures returns the tenant's jobs in one mode whose artwork could
// not be fetched and that are not final, most recently updated first.
func (db *DB) ListFetchFailures(ctx context.Context, p store.FailedJobsParams) ([]store.Job, error) {
	js, err := queryAll(ctx, db.r, scanJob, `SELECT `+jobSelect+` FROM jobs
		WHERE tenant_id = $1 AND livemode = $2 AND artwork_fetch = 'failed'
		AND status NOT IN (`+finalStatuses+`) ORDER BY updated_at DESC, id DESC LIMIT $3`,
		p.TenantID, p.Livemode, limitOr(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list fetch failures of %s: %w", p.TenantID, err)
	}
	return js, nil
}

// ListProofFailures returns the tenant's jobs in one mode whose proof the
// pipeline gave up on, most recently updated first.
func (db *DB) ListProofFailures(ctx context.Context, p store.FailedJobsParams) ([]store.Job, error) {
	js, err := queryAll(ctx, db.r, scanJob, `SELECT `+jobSelect+` FROM jobs
		WHERE tenant_id = $1 AND livemode = $2 AND status = 'preflight_passed'
		AND work_gave_up_at IS NOT NULL ORDER BY updated_at DESC, id DESC LIMIT $3`,
		p.TenantID, p.Livemode, limitOr(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list proof failures of %s: %w", p.TenantID, err)
	}
	return js, nil
}
