package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/atomyx/submit/internal/store"
)

const tenantColumns = `id, name, callback_url, brand, preflight_profile, created_at, events, locale`

func scanTenant(row scanner) (store.Tenant, error) {
	var t store.Tenant
	err := row.Scan(&t.ID, &t.Name, &t.Settings.CallbackURL, jsonDest{&t.Settings.Brand},
		&t.Settings.PreflightProfile, timeDest{&t.CreatedAt}, jsonDest{&t.Settings.Events}, &t.Settings.Locale)
	return t, err
}

// CreateTenant inserts a tenant; store.ErrConflict if the name is taken.
func (db *DB) CreateTenant(ctx context.Context, t store.Tenant) error {
	brand, err := jsonArg(t.Settings.Brand)
	if err != nil {
		return fmt.Errorf("create tenant %s: %w", t.Name, err)
	}
	events, err := jsonArg(t.Settings.Events)
	if err != nil {
		return fmt.Errorf("create tenant %s: %w", t.Name, err)
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.Name, t.Settings.CallbackURL, brand, t.Settings.PreflightProfile, db.t(t.CreatedAt), events, t.Settings.Locale)
	if err != nil {
		return fmt.Errorf("create tenant %s: %w", t.Name, db.conflict(err))
	}
	return nil
}

// Tenant returns a tenant by id.
func (db *DB) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	t, err := scanTenant(db.r.QueryRowContext(ctx,
		`SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	if err != nil {
		return store.Tenant{}, fmt.Errorf("tenant %s: %w", id, notFound(err))
	}
	return t, nil
}

// TenantByName returns a tenant by its unique name.
func (db *DB) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	t, err := scanTenant(db.r.QueryRowContext(ctx,
		`SELECT `+tenantColumns+` FROM tenants WHERE name = $1`, name))
	if err != nil {
		return store.Tenant{}, fmt.Errorf("tenant %q: %w", name, notFound(err))
	}
	return t, nil
}

// ListTenants returns every tenant, oldest first.
func (db *DB) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	ts, err := queryAll(ctx, db.r, scanTenant,
		`SELECT `+tenantColumns+` FROM tenants ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return ts, nil
}

// UpdateTenantSettings replaces a tenant's defaults.
func (db *DB) UpdateTenantSettings(ctx context.Context, tenantID string, s store.TenantSettings) error {
	brand, err := jsonArg(s.Brand)
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", tenantID, err)
	}
	events, err := jsonArg(s.Events)
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", tenantID, err)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tenants
			SET callback_url = $1, brand = $2, preflight_profile = $3, events = $4, locale = $5 WHERE id = $6`,
			s.CallbackURL, brand, s.PreflightProfile, events, s.Locale, tenantID)
		if err == nil {
			err = mustAffect(res)
		}
		if err != nil || s.CallbackURL == "" {
			return err
		}
		// Retries follow a job's current URL: the jobs without one of
		// their own follow their tenant's.
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET url = $1, host = $5
			WHERE tenant_id = $2 AND state = 'pending' AND url <> $3 AND job_id IN (
				SELECT id FROM jobs WHERE tenant_id = $4 AND callback_url = '')`,
			s.CallbackURL, tenantID, s.CallbackURL, tenantID, store.HostKey(s.CallbackURL))
		return err
	})
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", tenantID, err)
	}
	return nil
}

const apiKeyColumns = `id, tenant_id, name, lookup, hash, livemode, scopes, created_at, last_used_at, revoked_at`

func scanAPIKey(row scanner) (store.APIKey, error) {
	var k store.APIKey
	err := row.Scan(&k.ID, &k.TenantID, &k.Name, &k.Lookup, &k.Hash, &k.Livemode,
		jsonDest{&k.Scopes}, timeDest{&k.CreatedAt}, nullTimeDest{&k.LastUsedAt}, nullTimeDest{&k.RevokedAt})
	return k, err
}

// CreateAPIKey inserts a key; store.ErrConflict if its lookup is taken.
func (db *DB) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	scopes, err := jsonArg(k.Scopes)
	if err != nil {
		return fmt.Errorf("create api key %s: %w", k.ID, err)
	}
	if scopes == nil {
		scopes = "[]"
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		k.ID, k.TenantID, k.Name, k.Lookup, k.Hash, k.Livemode, scopes,
		db.t(k.CreatedAt), db.nt(k.LastUsedAt), db.nt(k.RevokedAt))
	if err != nil {
		return fmt.Errorf("create api key %s: %w", k.ID, db.conflict(err))
	}
	return nil
}

// APIKeyByLookup returns the key with the given lookup, revoked or not.
func (db *DB) APIKeyByLookup(ctx context.Context, lookup string) (store.APIKey, error) {
	if db.kl != nil {
		return db.kl.find(ctx, lookup)
	}
	k, err := scanAPIKey(db.r.QueryRowContext(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE lookup = $1`, lookup))
	if err != nil {
		return store.APIKey{}, fmt.Errorf("api key by lookup: %w", notFound(err))
	}
	return k, nil
}

// ListAPIKeys returns a tenant's keys, newest first, revoked ones too.
func (db *DB) ListAPIKeys(ctx context.Context, tenantID string) ([]store.APIKey, error) {
	ks, err := queryAll(ctx, db.r, scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", tenantID, err)
	}
	return ks, nil
}

// RevokeAPIKey marks a key revoked, keeping the first time if it was
// revoked already, and returns it.
func (db *DB) RevokeAPIKey(ctx context.Context, p store.RevokeAPIKeyParams) (store.APIKey, error) {
	var k store.APIKey
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1)
			WHERE id = $2 AND tenant_id = $3`, db.t(p.At), p.KeyID, p.TenantID)
		if err == nil {
			err = mustAffect(res)
		}
		if err != nil {
			return err
		}
		k, err = scanAPIKey(tx.QueryRowContext(ctx,
			`SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, p.KeyID))
		return err
	})
	if err != nil {
		return store.APIKey{}, fmt.Errorf("revoke api key %s: %w", p.KeyID, err)
	}
	return k, nil
}

// TouchAPIKey records that a key was used, skipping the write when the
// stored time is less than a minute older: every authenticated request
// touches its key, and a write each time would serialise requests on
// SQLite's single writer for a value nobody needs to the second.
func (db *DB) TouchAPIKey(ctx context.Context, keyID string, at time.Time) error {
	res, err := db.w.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $1
		WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
		db.t(at), keyID, db.t(at.Add(-time.Minute)))
	if err == nil {
		err = mustAffect(res)
	}
	if errors.Is(err, store.ErrNotFound) {
		// Skipped, or no such key: only the second is an error.
		err = db.r.QueryRowContext(ctx, `SELECT 1 FROM api_keys WHERE id = $1`, keyID).Scan(new(int))
		err = notFound(err)
	}
	if err != nil {
		return fmt.Errorf("touch api key %s: %w", keyID, err)
	}
	return nil
}

// RotateSigningSecret adds the new secret and makes every other secret of
// the tenant without an expiry expire at p.OldExpiresAt, in one transaction
// so that a tenant always has exactly one active secret.
func (db *DB) RotateSigningSecret(ctx context.Context, p store.RotateSecretParams) error {
	s := p.New
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE signing_secrets SET expires_at = $1
			WHERE tenant_id = $2 AND expires_at IS NULL`, db.t(p.OldExpiresAt), s.TenantID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO signing_secrets
			(id, tenant_id, secret, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			s.ID, s.TenantID, s.Secret, db.t(s.CreatedAt), db.nt(s.ExpiresAt))
		return db.conflict(err)
	})
	if err != nil {
		return fmt.Errorf("rotate signing secret of %s: %w", s.TenantID, err)
	}
	return nil
}

// ListSigningSecrets returns the tenant's secrets valid at the given time,
// newest first.
func (db *DB) ListSigningSecrets(ctx context.Context, tenantID string, at time.Time) ([]store.SigningSecret, error) {
	ss, err := queryAll(ctx, db.r, scanSecret, `SELECT id, tenant_id, secret, created_at, expires_at
		FROM signing_secrets WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2)
		ORDER BY created_at DESC, id DESC`, tenantID, db.t(at))
	if err != nil {
		return nil, fmt.Errorf("signing secrets of %s: %w", tenantID, err)
	}
	return ss, nil
}

func scanSecret(row scanner) (store.SigningSecret, error) {
	var s store.SigningSecret
	err := row.Scan(&s.ID, &s.TenantID, &s.Secret, timeDest{&s.CreatedAt}, nullTimeDest{&s.ExpiresAt})
	return s, err
}

// queryAll runs a query with q and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
