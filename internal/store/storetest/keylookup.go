package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
)

// testConcurrentKeyLookups: lookups made at once, of the same key, of
// others and of none, each get their own answer (PostgreSQL shares one
// statement between them), and a revocation committed before a lookup is
// asked is seen by it, however many lookups are under way.
func testConcurrentKeyLookups(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	keys := make([]store.APIKey, 3)
	for i := range keys {
		keys[i] = store.APIKey{ID: id.New(id.APIKey), TenantID: tn.ID, Name: fmt.Sprint("key ", i),
			Lookup: fmt.Sprint("sk_live_c", i), Hash: []byte{byte(i)}, Livemode: true, CreatedAt: at(0)}
		if err := s.CreateAPIKey(ctx, keys[i]); err != nil {
			t.Fatal(err)
		}
	}
	// lookupAll asks for every key, and one that does not exist, from 60
	// goroutines at once, and checks each answer: revoked says which keys
	// must be seen revoked.
	lookupAll := func(revoked map[string]bool) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Go(func() {
				if i%4 == 3 {
					if _, err := s.APIKeyByLookup(ctx, "sk_live_none"); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("lookup of no key: %v, want ErrNotFound", err)
					}
					return
				}
				want := keys[i%4]
				got, err := s.APIKeyByLookup(ctx, want.Lookup)
				switch {
				case err != nil:
					t.Errorf("lookup of %s: %v", want.Lookup, err)
				case got.ID != want.ID || got.Name != want.Name || !bytes.Equal(got.Hash, want.Hash):
					t.Errorf("lookup of %s got %s (%s), want %s", want.Lookup, got.ID, got.Name, want.ID)
				case (got.RevokedAt != nil) != revoked[want.ID]:
					t.Errorf("lookup of %s: revoked at %v, want revoked %v", want.Lookup, got.RevokedAt, revoked[want.ID])
				}
			})
		}
		wg.Wait()
	}
	lookupAll(nil)

	// Revocations while lookups run: each lookup asked after a revocation
	// returned sees it.
	stop := make(chan struct{})
	var busy sync.WaitGroup
	for range 8 {
		busy.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.APIKeyByLookup(ctx, keys[0].Lookup); err != nil {
					t.Errorf("background lookup: %v", err)
					return
				}
			}
		})
	}
	defer func() { close(stop); busy.Wait() }()
	for _, k := range keys[1:] {
		if _, err := s.RevokeAPIKey(ctx, store.RevokeAPIKeyParams{TenantID: tn.ID, KeyID: k.ID, At: at(1)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.APIKeyByLookup(ctx, k.Lookup)
		if err != nil || got.RevokedAt == nil {
			t.Fatalf("lookup of %s right after its revocation: revoked at %v, %v; want revoked", k.Lookup, got.RevokedAt, err)
		}
	}
	lookupAll(map[string]bool{keys[1].ID: true, keys[2].ID: true})
}
