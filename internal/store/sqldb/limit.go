package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// hitRateLimitQuery counts one hit. The stored row is of the same window
// (or a later one, written by a process whose clock is ahead: the hit
// counts there), of the window before ($3, its count becomes the previous
// one), or older (both start again). Every SET expression reads the row
// as it was, in both databases. $1 subject, $2 window, $3 previous window.
const hitRateLimitQuery = `INSERT INTO rate_limits (subject, window_start, hits, previous_hits)
VALUES ($1, $2, 1, 0)
ON CONFLICT (subject) DO UPDATE SET
	previous_hits = CASE WHEN rate_limits.window_start >= $2 THEN rate_limits.previous_hits
		WHEN rate_limits.window_start = $3 THEN rate_limits.hits ELSE 0 END,
	hits = CASE WHEN rate_limits.window_start >= $2 THEN rate_limits.hits + 1 ELSE 1 END,
	window_start = CASE WHEN rate_limits.window_start >= $2 THEN rate_limits.window_start ELSE $2 END
RETURNING window_start, hits, previous_hits`

// HitRateLimit is one statement, outside the group commit: on SQLite a
// bare UPSERT cost 35 µs where a savepoint in a shared commit cost 90 µs.
// On PostgreSQL rate_limits is UNLOGGED: a count lost in a crash does not
// matter, and the hit does not wait for the WAL to reach the disk.
func (db *DB) HitRateLimit(ctx context.Context, p store.HitRateLimitParams) (store.RateCount, error) {
	var c store.RateCount
	err := db.w.QueryRowContext(ctx, hitRateLimitQuery, p.Subject, db.t(p.Window), db.t(p.Window.Add(-p.Length))).
		Scan(timeDest{&c.Window}, &c.Hits, &c.PreviousHits)
	if err != nil {
		return store.RateCount{}, fmt.Errorf("hit rate limit: %w", err)
	}
	return c, nil
}

// DeleteRateLimits forgets finished windows.
func (db *DB) DeleteRateLimits(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM rate_limits WHERE window_start < $1`, db.t(before))
	if err != nil {
		return 0, fmt.Errorf("delete rate limits: %w", err)
	}
	return res.RowsAffected()
}

// CreateSignInTry records a try.
func (db *DB) CreateSignInTry(ctx context.Context, t store.SignInTry) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO signin_tries (id, subject, tried_at) VALUES ($1, $2, $3)`,
		t.ID, t.Subject, db.t(t.At))
	if err != nil {
		return fmt.Errorf("create sign-in try: %w", db.conflict(err))
	}
	return nil
}

// ListSignInTries returns a subject's recent tries.
func (db *DB) ListSignInTries(ctx context.Context, p store.ListSignInTriesParams) ([]store.SignInTry, error) {
	ts, err := queryAll(ctx, db.r, func(row scanner) (store.SignInTry, error) {
		var t store.SignInTry
		return t, row.Scan(&t.ID, &t.Subject, timeDest{&t.At})
	}, `SELECT id, subject, tried_at FROM signin_tries WHERE subject = $1 AND tried_at >= $2
		ORDER BY tried_at DESC, id DESC LIMIT $3`, p.Subject, db.t(p.Since), limitOr(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("sign-in tries: %w", err)
	}
	return ts, nil
}

// DeleteSignInTries deletes the tries matching every field set.
func (db *DB) DeleteSignInTries(ctx context.Context, p store.DeleteSignInTriesParams) (int64, error) {
	var q params
	var where []string
	if p.ID != "" {
		where = append(where, "id = "+q.add(p.ID))
	}
	if p.Subject != "" {
		where = append(where, "subject = "+q.add(p.Subject))
	}
	if !p.Before.IsZero() {
		where = append(where, "tried_at < "+q.add(db.t(p.Before)))
	}
	if len(where) == 0 {
		return 0, fmt.Errorf("delete sign-in tries: nothing selects which")
	}
	res, err := db.w.ExecContext(ctx, `DELETE FROM signin_tries WHERE `+strings.Join(where, " AND "), q.args...)
	if err != nil {
		return 0, fmt.Errorf("delete sign-in tries: %w", err)
	}
	return res.RowsAffected()
}
