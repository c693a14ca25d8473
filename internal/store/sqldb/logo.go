package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/store"
)

const logoColumns = `tenant_id, url, state, blob_key, content_type, width, height,
	error_code, error_message, requested_at, fetched_at`

func scanLogo(row scanner) (store.Logo, error) {
	var l store.Logo
	err := row.Scan(&l.TenantID, &l.URL, &l.State, &l.BlobKey, &l.ContentType, &l.Width, &l.Height,
		&l.ErrorCode, &l.ErrorMessage, timeDest{&l.RequestedAt}, nullTimeDest{&l.FetchedAt})
	return l, err
}

// Logo returns the logo of a tenant's URL.
func (db *DB) Logo(ctx context.Context, tenantID, url string) (store.Logo, error) {
	l, err := scanLogo(db.r.QueryRowContext(ctx,
		`SELECT `+logoColumns+` FROM logos WHERE tenant_id = $1 AND url = $2`, tenantID, url))
	if err != nil {
		return store.Logo{}, fmt.Errorf("logo: %w", notFound(err))
	}
	return l, nil
}

// RequestLogo reads the logo first, and writes only when it is missing
// or a failure old enough to retry.
func (db *DB) RequestLogo(ctx context.Context, p store.RequestLogoParams) (store.Logo, error) {
	l, err := db.Logo(ctx, p.TenantID, p.URL)
	switch {
	case err == nil && !(l.State == store.LogoFailed && retryDue(l, p.RetryFailedBefore)):
		return l, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return l, fmt.Errorf("request logo: %w", err)
	}
	// Concurrent requests of one URL meet in the conflict clause: one
	// inserts, the others leave the row alone or retry the same failure.
	_, err = db.w.ExecContext(ctx, `INSERT INTO logos (tenant_id, url, state, requested_at)
		VALUES ($1, $2, 'pending', $3)
		ON CONFLICT (tenant_id, url) DO UPDATE SET state = 'pending', error_code = '', error_message = '',
			requested_at = $3, lease_owner = NULL, lease_until = NULL
		WHERE logos.state = 'failed' AND logos.fetched_at < $4`,
		p.TenantID, p.URL, db.t(p.At), db.t(p.RetryFailedBefore))
	if err != nil {
		return store.Logo{}, fmt.Errorf("request logo: %w", err)
	}
	l, err = scanLogo(db.w.QueryRowContext(ctx,
		`SELECT `+logoColumns+` FROM logos WHERE tenant_id = $1 AND url = $2`, p.TenantID, p.URL))
	if err != nil {
		return store.Logo{}, fmt.Errorf("request logo: %w", notFound(err))
	}
	return l, nil
}

func retryDue(l store.Logo, before time.Time) bool {
	return l.FetchedAt != nil && l.FetchedAt.Before(before)
}

// claimLogosQuery leases pending logos. The alias d lets the dialect's
// ClaimLock ("FOR UPDATE OF d SKIP LOCKED") serve here too. $1 worker,
// $2 lease end, $3 now, $4 limit.
const claimLogosQuery = `WITH due AS (
	SELECT d.tenant_id, d.url FROM logos d
	WHERE d.state = 'pending' AND (d.lease_until IS NULL OR d.lease_until <= $3)
	ORDER BY d.requested_at
	LIMIT $4 %s)
UPDATE logos SET lease_owner = $1, lease_until = $2
FROM due WHERE logos.tenant_id = due.tenant_id AND logos.url = due.url
RETURNING `

// ClaimLogos leases up to p.Limit pending logos to p.Worker.
func (db *DB) ClaimLogos(ctx context.Context, p store.ClaimParams) ([]store.Logo, error) {
	if p.Worker == "" {
		return nil, errors.New("claim logos: no worker name")
	}
	cols := "logos." + strings.Join(strings.Fields(strings.ReplaceAll(logoColumns, ",", " ")), ", logos.")
	ls, err := queryAll(ctx, db.w, scanLogo, fmt.Sprintf(claimLogosQuery, db.d.ClaimLock)+cols,
		p.Worker, db.t(p.Now.Add(p.Lease)), db.t(p.Now), limitOr(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("claim logos: %w", err)
	}
	return ls, nil
}

// FinishLogo records a claimed logo's outcome and ends the lease.
func (db *DB) FinishLogo(ctx context.Context, p store.FinishLogoParams) error {
	l := p.Logo
	var until, fetched any
	if l.State == store.LogoPending {
		until = db.t(p.RetryAt)
	} else {
		fetched = db.t(p.At)
	}
	res, err := db.w.ExecContext(ctx, `UPDATE logos SET state = $1, blob_key = $2, content_type = $3,
		width = $4, height = $5, error_code = $6, error_message = $7,
		fetched_at = COALESCE($8, fetched_at), lease_owner = NULL, lease_until = $9
		WHERE tenant_id = $10 AND url = $11 AND lease_owner = $12`,
		l.State, l.BlobKey, l.ContentType, l.Width, l.Height, l.ErrorCode, l.ErrorMessage,
		fetched, until, l.TenantID, l.URL, p.Worker)
	if err == nil {
		err = mustAffect(res)
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("finish logo: %w: another worker holds it", store.ErrStale)
	}
	if err != nil {
		return fmt.Errorf("finish logo: %w", err)
	}
	return nil
}
