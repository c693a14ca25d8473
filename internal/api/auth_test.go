package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/vault"
)

func vaultKey(tenantID string, scopes ...string) vault.KeyParams {
	return vault.KeyParams{TenantID: tenantID, Livemode: true, Scopes: scopes}
}

// TestUnauthorizedSaysWhy checks that each cause of a 401 the contract lists
// has its own detail and the WWW-Authenticate header.
func TestUnauthorizedSaysWhy(t *testing.T) {
	t.Parallel()
	e := setup(t)
	revoked, key, err := e.vault.CreateKey(t.Context(), vaultKey(e.tenantID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.vault.RevokeKey(t.Context(), e.tenantID, revoked.ID); err != nil {
		t.Fatal(err)
	}
	unknown, _, _ := apikey.Generate(true)
	cases := []struct {
		name, header, want string
	}{
		{"missing", "", "No API key was sent"},
		{"token scheme", "Token " + e.live, `"Token" scheme`},
		{"basic scheme", "Basic dXNlcjpwYXNz", `"Basic" scheme`},
		{"bare key", e.live, "has no scheme"},
		{"empty bearer", "Bearer ", "carries no key"},
		{"double space", "Bearer  " + e.live, "white space before or after"},
		{"quoted", `Bearer "` + e.live + `"`, "quotes"},
		{"inner space", "Bearer " + e.live[:20] + " " + e.live[20:], "contains white space"},
		{"cut off", "Bearer " + e.live[:30], "cut off"},
		{"not a submit key", "Bearer pk_live_abc", "start with sk_live_ or sk_test_"},
		{"unknown", "Bearer " + unknown, "not recognised"},
		{"revoked", "Bearer " + key, "was revoked at " + revoked.CreatedAt.Format("2006-01-02")},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if tc.header == "" {
				r = e.do("GET", "/api/jobs", "")
			} else {
				r = e.do("GET", "/api/jobs", "", "Authorization", tc.header)
			}
			p := wantProblem(t, r, http.StatusUnauthorized, "unauthorized")
			detail := p["detail"].(string)
			if !strings.Contains(detail, tc.want) {
				t.Errorf("detail %q should contain %q", detail, tc.want)
			}
			if got := r.header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if strings.Contains(detail, e.live) || strings.Contains(detail, key) {
				t.Error("a detail must never echo the key")
			}
			if other, dup := seen[detail]; dup {
				t.Errorf("same detail as %s", other)
			}
			seen[detail] = tc.name
		})
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, readOnly, err := e.vault.CreateKey(t.Context(), vaultKey(e.tenantID, apikey.ScopeJobsRead))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.get("/api/jobs", readOnly); r.status != http.StatusOK {
		t.Errorf("read with jobs:read = %d", r.status)
	}
	p := wantProblem(t, e.post("/api/jobs", `{"externalId":"X"}`, readOnly), http.StatusForbidden, "forbidden")
	if !strings.Contains(p["detail"].(string), "jobs:write") {
		t.Errorf("403 must name the scope: %v", p["detail"])
	}
}

func TestRevokedKeyRefusedOnNextRequest(t *testing.T) {
	t.Parallel()
	e := setup(t)
	k, key, _ := e.vault.CreateKey(t.Context(), vaultKey(e.tenantID))
	if r := e.get("/api/jobs", key); r.status != http.StatusOK {
		t.Fatalf("fresh key: %d", r.status)
	}
	if _, err := e.vault.RevokeKey(t.Context(), e.tenantID, apikey.Display(true, k.Lookup)); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, e.get("/api/jobs", key), http.StatusUnauthorized, "unauthorized")
	keys, _ := e.store.ListAPIKeys(t.Context(), e.tenantID)
	for _, got := range keys {
		if got.ID == k.ID && got.LastUsedAt == nil {
			t.Error("last use was not recorded")
		}
	}
}
