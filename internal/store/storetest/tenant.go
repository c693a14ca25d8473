package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// testTimeRoundTrip: times come back in UTC, to the microsecond, whatever
// zone they went in with.
func testTimeRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := time.Date(2026, 5, 11, 12, 30, 15, 123456789, time.FixedZone("CEST", 2*3600))
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "zones", CreatedAt: in}
	if err := s.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tenant(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 5, 11, 10, 30, 15, 123456000, time.UTC)
	if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt = %s (%s), want %s in UTC", got.CreatedAt.Format(time.RFC3339Nano),
			got.CreatedAt.Location(), want.Format(time.RFC3339Nano))
	}
	// Times compare as times, not as text, across the precision boundary.
	j := jobAt(tn.ID, true, at(0))
	j.ExpiresAt = time.Date(2026, 5, 11, 10, 0, 0, 999, time.UTC) // 999 ns: truncated to 10:00:00
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		before time.Time
		want   int
	}{{at(0), 0}, {at(time.Microsecond), 1}} {
		js, err := s.ListExpiredJobs(ctx, c.before, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(js) != c.want {
			t.Errorf("ListExpiredJobs(%s) = %d jobs, want %d", c.before.Format(time.RFC3339Nano), len(js), c.want)
		}
	}
}

func testTenants(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := store.Tenant{ID: id.New(id.Tenant), Name: "acme", CreatedAt: at(time.Second)}
	b := store.Tenant{ID: id.New(id.Tenant), Name: "globex", CreatedAt: at(0), Settings: store.TenantSettings{
		CallbackURL: "https://erp.example.com/hooks", Brand: &job.Brand{Color: "#1A73E8"}, PreflightProfile: "strict", Locale: "fi",
	}}
	for _, tn := range []store.Tenant{a, b} {
		if err := s.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	err := s.CreateTenant(ctx, store.Tenant{ID: id.New(id.Tenant), Name: "acme", CreatedAt: at(0)})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateTenant with a taken name: %v, want ErrConflict", err)
	}
	got, err := s.Tenant(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Tenant", got, b)
	got, err = s.TenantByName(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "TenantByName", got, a)
	if _, err := s.Tenant(ctx, id.New(id.Tenant)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Tenant(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.TenantByName(ctx, "initech"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TenantByName(unknown): %v, want ErrNotFound", err)
	}
	all, err := s.ListTenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListTenants", all, []store.Tenant{b, a}) // oldest first

	a.Settings = store.TenantSettings{CallbackURL: "https://acme.example/cb", Brand: &job.Brand{Logo: "https://acme.example/l.png"}, Locale: "pl"}
	if err := s.UpdateTenantSettings(ctx, a.ID, a.Settings); err != nil {
		t.Fatal(err)
	}
	got, err = s.Tenant(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Tenant after UpdateTenantSettings", got, a)
	b.Settings = store.TenantSettings{}
	if err := s.UpdateTenantSettings(ctx, b.ID, b.Settings); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Tenant(ctx, b.ID); got.Settings.Brand != nil || got.Settings.CallbackURL != "" {
		t.Errorf("settings not cleared: %+v", got.Settings)
	}
	if err := s.UpdateTenantSettings(ctx, id.New(id.Tenant), a.Settings); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTenantSettings(unknown): %v, want ErrNotFound", err)
	}
}

func testAPIKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	older := store.APIKey{ID: id.NewAt(id.APIKey, at(0)), TenantID: tn.ID, Name: "ERP", Lookup: "sk_live_aaaa",
		Hash: []byte{1, 2, 3, 0, 255}, Livemode: true, Scopes: []string{"jobs:read", "jobs:write"}, CreatedAt: at(0)}
	newer := store.APIKey{ID: id.NewAt(id.APIKey, at(time.Hour)), TenantID: tn.ID, Lookup: "sk_test_bbbb",
		Hash: []byte{9}, Scopes: []string{}, CreatedAt: at(time.Hour)}
	for _, k := range []store.APIKey{older, newer} {
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	dup := newer
	dup.ID = id.New(id.APIKey)
	if err := s.CreateAPIKey(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateAPIKey with a taken lookup: %v, want ErrConflict", err)
	}
	got, err := s.APIKeyByLookup(ctx, "sk_live_aaaa")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "APIKeyByLookup", got, older)
	if _, err := s.APIKeyByLookup(ctx, "sk_live_zzzz"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("APIKeyByLookup(unknown): %v, want ErrNotFound", err)
	}

	if _, err := s.RevokeAPIKey(ctx, store.RevokeAPIKeyParams{TenantID: other.ID, KeyID: older.ID, At: at(2 * time.Hour)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeAPIKey of another tenant's key: %v, want ErrNotFound", err)
	}
	revoked, err := s.RevokeAPIKey(ctx, store.RevokeAPIKeyParams{TenantID: tn.ID, KeyID: older.ID, At: at(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	older.RevokedAt = new(at(2 * time.Hour))
	equal(t, "RevokeAPIKey", revoked, older)
	// Revoking again keeps the first time.
	if revoked, err = s.RevokeAPIKey(ctx, store.RevokeAPIKeyParams{TenantID: tn.ID, KeyID: older.ID, At: at(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	equal(t, "RevokeAPIKey twice", revoked, older)

	keys, err := s.ListAPIKeys(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListAPIKeys", keys, []store.APIKey{newer, older})
	if keys, err = s.ListAPIKeys(ctx, other.ID); err != nil || len(keys) != 0 {
		t.Errorf("ListAPIKeys(other tenant) = %d keys, %v; want none", len(keys), err)
	}
}

func testTouchAPIKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	k := store.APIKey{ID: id.New(id.APIKey), TenantID: tn.ID, Lookup: "sk_live_t", Hash: []byte{1}, CreatedAt: at(0)}
	if err := s.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		t.Helper()
		got, err := s.APIKeyByLookup(ctx, k.Lookup)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastUsedAt == nil {
			t.Fatal("LastUsedAt is nil after TouchAPIKey")
		}
		return *got.LastUsedAt
	}
	steps := []struct {
		touch, want time.Time
	}{
		{at(time.Minute), at(time.Minute)},
		{at(time.Minute + 30*time.Second), at(time.Minute)}, // may be skipped: less than a minute
		{at(5 * time.Minute), at(5 * time.Minute)},
	}
	for _, st := range steps {
		if err := s.TouchAPIKey(ctx, k.ID, st.touch); err != nil {
			t.Fatal(err)
		}
		got := lastUsed()
		// Implementations may skip a write within the minute, not more.
		if got.Before(st.want) || got.After(st.touch) {
			t.Errorf("after touch at %s: LastUsedAt = %s, want between %s and %s", st.touch, got, st.want, st.touch)
		}
	}
	if err := s.TouchAPIKey(ctx, id.New(id.APIKey), at(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TouchAPIKey(unknown): %v, want ErrNotFound", err)
	}
}

func testSigningSecretRotation(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	secret := func(tenantID string, created time.Time) store.SigningSecret {
		return store.SigningSecret{ID: id.NewAt(id.Secret, created), TenantID: tenantID,
			Secret: "whsec_" + id.Token(32), CreatedAt: created}
	}
	first, second, third := secret(tn.ID, at(0)), secret(tn.ID, at(time.Hour)), secret(tn.ID, at(2*time.Hour))
	otherSecret := secret(other.ID, at(0))
	rotate := func(s2 store.SigningSecret, oldExpiry time.Time) {
		t.Helper()
		if err := s.RotateSigningSecret(ctx, store.RotateSecretParams{New: s2, OldExpiresAt: oldExpiry}); err != nil {
			t.Fatal(err)
		}
	}
	valid := func(when time.Time) []store.SigningSecret {
		t.Helper()
		ss, err := s.ListSigningSecrets(ctx, tn.ID, when)
		if err != nil {
			t.Fatal(err)
		}
		return ss
	}
	rotate(first, at(0))
	rotate(otherSecret, at(0))
	equal(t, "secrets after the first", valid(at(time.Minute)), []store.SigningSecret{first})

	rotate(second, at(25*time.Hour)) // the first stays valid for 24 h
	first.ExpiresAt = new(at(25 * time.Hour))
	equal(t, "secrets during the overlap", valid(at(90*time.Minute)), []store.SigningSecret{second, first})
	equal(t, "secrets after the overlap", valid(at(25*time.Hour)), []store.SigningSecret{second})

	// A third rotation ends the second's life, not the first's again.
	rotate(third, at(26*time.Hour))
	second.ExpiresAt = new(at(26 * time.Hour))
	equal(t, "secrets after two rotations", valid(at(150*time.Minute)), []store.SigningSecret{third, second, first})
	equal(t, "secrets after both overlaps", valid(at(26*time.Hour)), []store.SigningSecret{third})

	ss, err := s.ListSigningSecrets(ctx, other.ID, at(30*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "other tenant's secrets", ss, []store.SigningSecret{otherSecret})
}
