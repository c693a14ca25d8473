package vault_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqlite"
	"github.com/atomyx/submit/internal/vault"
)

func setup(t *testing.T) (*vault.Vault, store.Store) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return vault.New(db), db
}

func TestEnsureTenantIsIdempotent(t *testing.T) {
	t.Parallel()
	v, _ := setup(t)
	a, created, err := v.EnsureTenant(t.Context(), "  acme ")
	if err != nil || !created || a.Name != "acme" {
		t.Fatalf("first: %+v %v %v", a, created, err)
	}
	b, created, err := v.EnsureTenant(t.Context(), "acme")
	if err != nil || created || b.ID != a.ID {
		t.Errorf("second: %+v %v %v", b, created, err)
	}
	if s, err := v.ActiveSecret(t.Context(), a.ID); err != nil || !strings.HasPrefix(s, "whsec_") {
		t.Errorf("a new tenant has a signing secret: %q %v", s, err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", 101)} {
		if _, _, err := v.EnsureTenant(t.Context(), bad); err == nil {
			t.Errorf("tenant name %q accepted", bad)
		}
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	v, st := setup(t)
	tn, _, _ := v.EnsureTenant(t.Context(), "acme")
	k, secret, err := v.CreateKey(t.Context(), vault.KeyParams{TenantID: tn.ID, Name: "erp"})
	if err != nil {
		t.Fatal(err)
	}
	if k.Livemode || !strings.HasPrefix(secret, "sk_test_") || len(k.Scopes) != len(apikey.AllScopes) {
		t.Errorf("key = %+v, %q", k, secret)
	}
	stored, err := st.APIKeyByLookup(t.Context(), k.Lookup)
	if err != nil || !apikey.Matches(secret, stored.Hash) || strings.Contains(string(stored.Hash), secret) {
		t.Errorf("the store must keep only the hash: %v", err)
	}
	// Revoke by what `key list` shows; a key of another tenant is not found.
	other, _, _ := v.EnsureTenant(t.Context(), "other")
	if _, err := v.RevokeKey(t.Context(), other.ID, apikey.Display(false, k.Lookup)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke through another tenant: %v", err)
	}
	r, err := v.RevokeKey(t.Context(), tn.ID, apikey.Display(false, k.Lookup))
	if err != nil || r.RevokedAt == nil {
		t.Fatalf("revoke: %+v %v", r, err)
	}
	again, err := v.RevokeKey(t.Context(), tn.ID, k.ID)
	if err != nil || !again.RevokedAt.Equal(*r.RevokedAt) {
		t.Errorf("revoking twice keeps the first time: %v %v", again.RevokedAt, err)
	}
}

// TestKeyNames: a name the CLI or Manage could not show is refused in
// words, wherever the key is made; a long name in letters of any script
// counts characters, not bytes.
func TestKeyNames(t *testing.T) {
	t.Parallel()
	v, _ := setup(t)
	tn, _, _ := v.EnsureTenant(t.Context(), "acme")
	for name, want := range map[string]string{
		strings.Repeat("k", 101): "has 101 characters; use at most 100",
		"erp\x1b[2J":             "control character (U+001B)",
		"ERP \u202elive":         "bidirectional control character (U+202E)",
	} {
		_, _, err := v.CreateKey(t.Context(), vault.KeyParams{TenantID: tn.ID, Name: name})
		if !errors.Is(err, vault.ErrKeyName) || !strings.Contains(err.Error(), want) {
			t.Errorf("CreateKey(%q) = %v, want ErrKeyName saying %q", name, err, want)
		}
	}
	if _, _, err := v.CreateKey(t.Context(), vault.KeyParams{TenantID: tn.ID, Name: strings.Repeat("ü", 100)}); err != nil {
		t.Errorf("100 letters of two bytes each: %v", err)
	}
}

func TestRotateKeepsTheOldSecretForADay(t *testing.T) {
	t.Parallel()
	v, st := setup(t)
	now := time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC)
	v.Now = func() time.Time { return now }
	tn, _, _ := v.EnsureTenant(t.Context(), "acme")
	first, _ := v.ActiveSecret(t.Context(), tn.ID)
	second, err := v.RotateSecret(t.Context(), tn.ID)
	if err != nil || second == first {
		t.Fatalf("rotate: %q %v", second, err)
	}
	valid := func(at time.Time) []string {
		ss, err := st.ListSigningSecrets(t.Context(), tn.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range ss {
			out = append(out, s.Secret)
		}
		return out
	}
	if got := valid(now.Add(23 * time.Hour)); len(got) != 2 || got[0] != second || got[1] != first {
		t.Errorf("within the overlap: %v, want new then old", got)
	}
	if got := valid(now.Add(25 * time.Hour)); len(got) != 1 || got[0] != second {
		t.Errorf("after the overlap: %v, want only the new one", got)
	}
}

// TestRecordUse: a key's use is written when it was never used or last
// used a minute ago or more, and not more often.
func TestRecordUse(t *testing.T) {
	t.Parallel()
	v, st := setup(t)
	tn, _, _ := v.EnsureTenant(t.Context(), "acme")
	k, _, err := v.CreateKey(t.Context(), vault.KeyParams{TenantID: tn.ID, Name: "erp"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	lastUse := func() time.Time {
		t.Helper()
		got, err := st.APIKeyByLookup(t.Context(), k.Lookup)
		if err != nil || got.LastUsedAt == nil {
			t.Fatalf("last use of %s: %v, %v", k.ID, got.LastUsedAt, err)
		}
		return got.LastUsedAt.UTC()
	}
	for _, step := range []struct {
		at, want time.Time
	}{
		{start, start},                       // never used
		{start.Add(59 * time.Second), start}, // within the minute: not written
		{start.Add(61 * time.Second), start.Add(61 * time.Second)},
	} {
		v.Now = func() time.Time { return step.at }
		k, _ = st.APIKeyByLookup(t.Context(), k.Lookup)
		if err := v.RecordUse(t.Context(), k); err != nil {
			t.Fatal(err)
		}
		if got := lastUse(); !got.Equal(step.want) {
			t.Errorf("used at %s: last use %s, want %s", step.at, got, step.want)
		}
	}
}

// TestUpdateSettings: a tenant's defaults are replaced whole.
func TestUpdateSettings(t *testing.T) {
	t.Parallel()
	v, st := setup(t)
	tn, _, _ := v.EnsureTenant(t.Context(), "acme")
	want := store.TenantSettings{CallbackURL: "https://erp.example.com/hook", PreflightProfile: "default"}
	if err := v.UpdateSettings(t.Context(), tn.ID, want); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Tenant(t.Context(), tn.ID); err != nil || got.Settings.CallbackURL != want.CallbackURL ||
		got.Settings.PreflightProfile != want.PreflightProfile || got.Settings.Brand != nil {
		t.Errorf("settings = %+v, %v", got.Settings, err)
	}
}
