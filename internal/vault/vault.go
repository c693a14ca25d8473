// Package vault manages tenants and what proves who is who: their
// settings, their API keys and their callback signing secrets. The CLI, the API and Manage all go through
// it, so a key made anywhere is made the same way.
package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/pkg/webhook"
)

// RotationOverlap is how long a rotated-out signing secret keeps signing, so
// receivers can switch to the new one without dropping callbacks.
const RotationOverlap = 24 * time.Hour

// Store is what the vault keeps tenants, keys and secrets in; the store
// serve opens is one. Those who make a Vault from their own store embed it
// in theirs.
type Store interface {
	CreateTenant(ctx context.Context, t store.Tenant) error
	TenantByName(ctx context.Context, name string) (store.Tenant, error)
	Tenant(ctx context.Context, id string) (store.Tenant, error)
	UpdateTenantSettings(ctx context.Context, tenantID string, s store.TenantSettings) error
	CreateAPIKey(ctx context.Context, k store.APIKey) error
	APIKeyByLookup(ctx context.Context, lookup string) (store.APIKey, error)
	RevokeAPIKey(ctx context.Context, p store.RevokeAPIKeyParams) (store.APIKey, error)
	TouchAPIKey(ctx context.Context, keyID string, at time.Time) error
	RotateSigningSecret(ctx context.Context, p store.RotateSecretParams) error
	ListSigningSecrets(ctx context.Context, tenantID string, at time.Time) ([]store.SigningSecret, error)
}

// Vault wraps the store with the rules for tenants, keys and secrets.
type Vault struct {
	Store Store
	Now   func() time.Time
}

// New returns a Vault on the given store using the wall clock.
func New(s Store) *Vault { return &Vault{Store: s, Now: time.Now} }

func (v *Vault) now() time.Time { return v.Now().UTC().Truncate(time.Microsecond) }

// EnsureTenant returns the tenant with the given name, creating it and its
// first signing secret if needed. created tells which happened.
func (v *Vault) EnsureTenant(ctx context.Context, name string) (t store.Tenant, created bool, err error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return t, false, errors.New("a tenant name must have 1 to 100 characters")
	}
	t, err = v.Store.TenantByName(ctx, name)
	if err == nil {
		return t, false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return t, false, fmt.Errorf("find tenant %q: %w", name, err)
	}
	now := v.now()
	t = store.Tenant{ID: id.NewAt(id.Tenant, now), Name: name, CreatedAt: now}
	if err := v.Store.CreateTenant(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) { // created meanwhile by another process
			t, err = v.Store.TenantByName(ctx, name)
			return t, false, err
		}
		return t, false, fmt.Errorf("create tenant %q: %w", name, err)
	}
	if _, err := v.RotateSecret(ctx, t.ID); err != nil {
		return t, true, err
	}
	return t, true, nil
}

// KeyParams describes a new API key.
type KeyParams struct {
	TenantID string
	Name     string
	Livemode bool
	Scopes   []string // empty means every scope
}

// CreateKey makes a key and returns it with the only copy of its secret.
func (v *Vault) CreateKey(ctx context.Context, p KeyParams) (store.APIKey, string, error) {
	scopes := p.Scopes
	if len(scopes) == 0 {
		scopes = apikey.AllScopes
	}
	if err := checkKeyName(p.Name); err != nil {
		return store.APIKey{}, "", err
	}
	for range 3 { // a lookup collision is astronomically rare; retry anyway
		secret, lookup, hash := apikey.Generate(p.Livemode)
		now := v.now()
		k := store.APIKey{
			ID: id.NewAt(id.APIKey, now), TenantID: p.TenantID, Name: p.Name, Lookup: lookup,
			Hash: hash, Livemode: p.Livemode, Scopes: scopes, CreatedAt: now,
		}
		err := v.Store.CreateAPIKey(ctx, k)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return k, "", fmt.Errorf("create API key: %w", err)
		}
		return k, secret, nil
	}
	return store.APIKey{}, "", errors.New("create API key: could not find a free lookup")
}

// ErrKeyName is wrapped by CreateKey's refusal of a name, in words that
// say what to change: the CLI and Manage show them as they are.
var ErrKeyName = errors.New("invalid key name")

// keyNameError is a refused key name: its words, and ErrKeyName.
type keyNameError string

func (e keyNameError) Error() string        { return string(e) }
func (e keyNameError) Is(target error) bool { return target == ErrKeyName }

// checkKeyName refuses a name of more than 100 characters, or one with
// characters that cannot be shown (job.CheckLine), wherever the key is
// made.
func checkKeyName(name string) error {
	if n := utf8.RuneCountInString(name); n > 100 {
		return keyNameError(fmt.Sprintf("The key name has %d characters; use at most 100.", n))
	}
	if err := job.CheckLine(name); err != nil {
		return keyNameError("The key name " + err.Error() + ".")
	}
	return nil
}

// RevokeKey revokes a key of the tenant, found by id or by its lookup (the
// characters after sk_live_ shown in lists).
func (v *Vault) RevokeKey(ctx context.Context, tenantID, ref string) (store.APIKey, error) {
	keyID := ref
	if !id.HasPrefix(ref, id.APIKey) {
		lookup := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(ref, "sk_live_"), "sk_test_"), "…")
		if len(lookup) > 12 {
			lookup = lookup[:12]
		}
		k, err := v.Store.APIKeyByLookup(ctx, lookup)
		if err != nil || k.TenantID != tenantID {
			return store.APIKey{}, fmt.Errorf("no API key %q in this tenant: %w", ref, store.ErrNotFound)
		}
		keyID = k.ID
	}
	return v.Store.RevokeAPIKey(ctx, store.RevokeAPIKeyParams{TenantID: tenantID, KeyID: keyID, At: v.now()})
}

// keyUseGrain is how precisely a key's last use is kept: Vault shows it to
// the minute, and writing it on every request would put a write on
// SQLite's single writer for every read of the API.
const keyUseGrain = time.Minute

// RecordUse records that a key was used now, unless its last use is
// recorded less than keyUseGrain ago.
func (v *Vault) RecordUse(ctx context.Context, k store.APIKey) error {
	now := v.now()
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < keyUseGrain {
		return nil
	}
	if err := v.Store.TouchAPIKey(ctx, k.ID, now); err != nil {
		return fmt.Errorf("record use of %s: %w", k.ID, err)
	}
	return nil
}

// UpdateSettings replaces a tenant's defaults for its jobs. The caller has
// checked them as the API checks the same fields of a job.
func (v *Vault) UpdateSettings(ctx context.Context, tenantID string, s store.TenantSettings) error {
	if err := v.Store.UpdateTenantSettings(ctx, tenantID, s); err != nil {
		return fmt.Errorf("update settings of %s: %w", tenantID, err)
	}
	return nil
}

// SetEvents replaces the event types a tenant's callbacks are sent for
// (nil: the default) and leaves its other settings as they are. It
// returns the tenant as saved.
func (v *Vault) SetEvents(ctx context.Context, tenantID string, events []job.EventType) (store.Tenant, error) {
	t, err := v.Store.Tenant(ctx, tenantID)
	if err != nil {
		return t, fmt.Errorf("set events of %s: %w", tenantID, err)
	}
	t.Settings.Events = events
	if err := v.Store.UpdateTenantSettings(ctx, tenantID, t.Settings); err != nil {
		return t, fmt.Errorf("set events of %s: %w", tenantID, err)
	}
	return t, nil
}

// RotateSecret makes a new active signing secret; the ones before it keep
// signing for RotationOverlap. It returns the new secret.
func (v *Vault) RotateSecret(ctx context.Context, tenantID string) (string, error) {
	now := v.now()
	s := store.SigningSecret{ID: id.NewAt(id.Secret, now), TenantID: tenantID, Secret: webhook.NewSecret(), CreatedAt: now}
	err := v.Store.RotateSigningSecret(ctx, store.RotateSecretParams{New: s, OldExpiresAt: now.Add(RotationOverlap)})
	if err != nil {
		return "", fmt.Errorf("rotate signing secret: %w", err)
	}
	return s.Secret, nil
}

// ActiveSecret returns the secret operators see and receivers should use.
func (v *Vault) ActiveSecret(ctx context.Context, tenantID string) (string, error) {
	ss, err := v.Store.ListSigningSecrets(ctx, tenantID, v.now())
	if err != nil {
		return "", fmt.Errorf("read signing secrets: %w", err)
	}
	if len(ss) == 0 {
		return v.RotateSecret(ctx, tenantID) // a tenant made before secrets existed
	}
	return ss[0].Secret, nil
}
