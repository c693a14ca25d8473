package sqldb_test

import (
	"errors"
	"testing"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
)

// TestKeyLookups runs one of PostgreSQL's shared key lookups on a chosen
// batch: a key asked twice, a revoked key and one that does not exist,
// each answered as its own lookup would be.
func TestKeyLookups(t *testing.T) {
	t.Parallel()
	pg, tn, now := postgresWithTenant(t)
	ctx := t.Context()
	live := store.APIKey{ID: id.New(id.APIKey), TenantID: tn.ID, Lookup: "sk_live_a", Hash: []byte{1}, Livemode: true, CreatedAt: now}
	old := store.APIKey{ID: id.New(id.APIKey), TenantID: tn.ID, Lookup: "sk_test_b", Hash: []byte{2}, CreatedAt: now}
	for _, k := range []store.APIKey{live, old} {
		if err := pg.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pg.RevokeAPIKey(ctx, store.RevokeAPIKeyParams{TenantID: tn.ID, KeyID: old.ID, At: now}); err != nil {
		t.Fatal(err)
	}

	keys, errs := pg.LookupKeysInOneStatement([]string{"sk_live_a", "sk_test_b", "sk_live_none", "sk_live_a"})
	if keys == nil {
		t.Fatal("PostgreSQL does not share key lookups")
	}
	for _, i := range []int{0, 3} {
		if errs[i] != nil || keys[i].ID != live.ID || keys[i].RevokedAt != nil {
			t.Errorf("lookup %d: %s revoked at %v, %v; want %s, not revoked", i, keys[i].ID, keys[i].RevokedAt, errs[i], live.ID)
		}
	}
	if errs[1] != nil || keys[1].ID != old.ID || keys[1].RevokedAt == nil || !keys[1].RevokedAt.Equal(now) {
		t.Errorf("lookup of the revoked key: %s revoked at %v, %v; want %s revoked at %s", keys[1].ID, keys[1].RevokedAt, errs[1], old.ID, now)
	}
	if !errors.Is(errs[2], store.ErrNotFound) {
		t.Errorf("lookup of no key: %v, want ErrNotFound", errs[2])
	}
}
