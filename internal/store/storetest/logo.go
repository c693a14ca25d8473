package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// runLogo runs the tests of store.LogoStore.
func runLogo(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"RequestLogo", testRequestLogo},
		{"ClaimAndFinishLogo", testClaimAndFinishLogo},
		{"LogoRetry", testLogoRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

const logoURL = "https://acme.example/logo.png"

func claimLogos(t *testing.T, s store.Store, worker string, now time.Time) []store.Logo {
	t.Helper()
	ls, err := s.ClaimLogos(t.Context(), store.ClaimParams{Now: now, Lease: time.Minute, Limit: 10, Worker: worker})
	if err != nil {
		t.Fatalf("claim logos: %v", err)
	}
	return ls
}

func testRequestLogo(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	if _, err := s.Logo(ctx, a.ID, logoURL); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("logo never requested: %v, want ErrNotFound", err)
	}
	l, err := s.RequestLogo(ctx, store.RequestLogoParams{TenantID: a.ID, URL: logoURL, At: at(0)})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Logo{TenantID: a.ID, URL: logoURL, State: store.LogoPending, RequestedAt: at(0)}
	equal(t, "requested logo", l, want)
	// Asked again (another job), it stays as it is.
	l, err = s.RequestLogo(ctx, store.RequestLogoParams{TenantID: a.ID, URL: logoURL, At: at(time.Hour), RetryFailedBefore: at(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "logo requested twice", l, want)
	got, err := s.Logo(ctx, a.ID, logoURL)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "logo read", got, want)
	// Logos are kept per tenant: another tenant naming the same URL has
	// its own.
	if _, err := s.Logo(ctx, b.ID, logoURL); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant's logo: %v, want ErrNotFound", err)
	}
}

func testClaimAndFinishLogo(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	for i, u := range []string{logoURL, "https://acme.example/bad.png"} {
		if _, err := s.RequestLogo(ctx, store.RequestLogoParams{TenantID: tn.ID, URL: u, At: at(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	now := at(time.Minute)
	ls := claimLogos(t, s, "w1", now)
	if len(ls) != 2 {
		t.Fatalf("claimed %d logos, want 2", len(ls))
	}
	if n := len(claimLogos(t, s, "w2", now)); n != 0 {
		t.Fatalf("claimed %d logos leased to another worker", n)
	}
	ok := store.Logo{TenantID: tn.ID, URL: logoURL, State: store.LogoOK, BlobKey: "logos/abc.png",
		ContentType: "image/png", Width: 240, Height: 80}
	if err := s.FinishLogo(ctx, store.FinishLogoParams{Logo: ok, Worker: "w2", At: now}); !errors.Is(err, store.ErrStale) {
		t.Fatalf("finishing another worker's logo: %v, want ErrStale", err)
	}
	if err := s.FinishLogo(ctx, store.FinishLogoParams{Logo: ok, Worker: "w1", At: now}); err != nil {
		t.Fatal(err)
	}
	bad := store.Logo{TenantID: tn.ID, URL: "https://acme.example/bad.png", State: store.LogoFailed,
		ErrorCode: "LOGO_FETCH_FAILED", ErrorMessage: "The logo URL answered 404 Not Found; check the URL."}
	if err := s.FinishLogo(ctx, store.FinishLogoParams{Logo: bad, Worker: "w1", At: now}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Logo(ctx, tn.ID, logoURL)
	if err != nil {
		t.Fatal(err)
	}
	ok.RequestedAt, ok.FetchedAt = at(0), &now
	equal(t, "fetched logo", got, ok)
	got, err = s.Logo(ctx, tn.ID, bad.URL)
	if err != nil {
		t.Fatal(err)
	}
	bad.RequestedAt, bad.FetchedAt = at(time.Second), &now
	equal(t, "failed logo", got, bad)
	// Neither is claimed again, even after the lease's end.
	if n := len(claimLogos(t, s, "w2", now.Add(time.Hour))); n != 0 {
		t.Fatalf("claimed %d finished logos", n)
	}
}

func testLogoRetry(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	if _, err := s.RequestLogo(ctx, store.RequestLogoParams{TenantID: tn.ID, URL: logoURL, At: at(0)}); err != nil {
		t.Fatal(err)
	}
	// A worker that dies leaves a lease that runs out; another takes over.
	if n := len(claimLogos(t, s, "w1", at(0))); n != 1 {
		t.Fatalf("claimed %d logos, want 1", n)
	}
	if n := len(claimLogos(t, s, "w2", at(2*time.Minute))); n != 1 {
		t.Fatalf("a logo whose lease ran out: claimed %d, want 1", n)
	}
	// Storage failed: the logo stays pending, and waits until RetryAt.
	l := store.Logo{TenantID: tn.ID, URL: logoURL, State: store.LogoPending}
	if err := s.FinishLogo(ctx, store.FinishLogoParams{Logo: l, Worker: "w2", At: at(3 * time.Minute), RetryAt: at(4 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if n := len(claimLogos(t, s, "w1", at(3*time.Minute))); n != 0 {
		t.Fatal("a logo put back was claimed before its retry time")
	}
	if n := len(claimLogos(t, s, "w1", at(4*time.Minute))); n != 1 {
		t.Fatal("a logo put back was not claimed at its retry time")
	}
	l.State, l.ErrorCode, l.ErrorMessage = store.LogoFailed, "LOGO_FETCH_FAILED", "timeout"
	if err := s.FinishLogo(ctx, store.FinishLogoParams{Logo: l, Worker: "w1", At: at(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// A failure is kept while it is recent, and fetched again once it is
	// older than RetryFailedBefore.
	got, err := s.RequestLogo(ctx, store.RequestLogoParams{TenantID: tn.ID, URL: logoURL, At: at(6 * time.Minute), RetryFailedBefore: at(5 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.LogoFailed {
		t.Fatalf("a recent failure became %s, want failed", got.State)
	}
	got, err = s.RequestLogo(ctx, store.RequestLogoParams{TenantID: tn.ID, URL: logoURL, At: at(20 * time.Minute), RetryFailedBefore: at(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	five := at(5 * time.Minute)
	equal(t, "failure retried", got, store.Logo{TenantID: tn.ID, URL: logoURL, State: store.LogoPending,
		RequestedAt: at(20 * time.Minute), FetchedAt: &five})
	if n := len(claimLogos(t, s, "w1", at(20*time.Minute))); n != 1 {
		t.Fatal("a retried logo was not claimed")
	}
}
