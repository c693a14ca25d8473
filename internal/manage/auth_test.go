package manage

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

func TestSignIn(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.browser()

	res, _ := b.get("/manage/jobs?status=uploaded")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/manage/signin?next=%2Fmanage%2Fjobs%3Fstatus%3Duploaded" {
		t.Fatalf("signed-out page: %d to %q, want a redirect to sign-in that comes back", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := b.signIn("admin@acme.test", "wrong password")
	wantStatus(t, "wrong password", res, body, http.StatusUnauthorized)
	if !strings.Contains(body, "The email or the password is not right.") {
		t.Errorf("wrong password page does not say so:\n%s", clipBody(body))
	}
	res, body = b.signIn("nobody@acme.test", password)
	wantStatus(t, "unknown email", res, body, http.StatusUnauthorized)

	res, _ = b.signIn("ADMIN@acme.test", password) // emails compare without case
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "submit_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" {
		t.Fatalf("session cookie = %+v; want HttpOnly, SameSite=Lax, path /, not Secure on http", session)
	}
	res, body = b.get("/manage/")
	wantStatus(t, "dashboard", res, body, http.StatusOK)
	if !strings.Contains(body, "admin@acme.test") {
		t.Error("the dashboard does not show who is signed in")
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}

	b.csrf = field(body, "csrf")
	res, _ = b.post("/manage/signout", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	// The old cookie is dead on the server, not only deleted in the browser.
	req, _ := http.NewRequest("GET", e.srv.URL+"/manage/", nil)
	req.AddCookie(session)
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out session still opens the dashboard: %d", res.StatusCode)
	}
}

func TestHostCookieOnHTTPS(t *testing.T) {
	t.Parallel()
	m := New(Deps{PublicURL: "https://submit.example.com"})
	if m.cookie != "__Host-submit_session" || !m.secure {
		t.Errorf("https public URL: cookie %q secure %v; want __Host-submit_session, Secure", m.cookie, m.secure)
	}
}

func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.browser()
	for i := range throttleEmailMax {
		res, body := b.signIn("admin@acme.test", "guess "+string(rune('a'+i)))
		wantStatus(t, "failed sign-in", res, body, http.StatusUnauthorized)
	}
	// The right password no longer helps: the account is throttled.
	res, body := b.signIn("admin@acme.test", password)
	wantStatus(t, "throttled sign-in", res, body, http.StatusTooManyRequests)
	if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	if !strings.Contains(body, "Too many failed sign-ins") {
		t.Errorf("throttled page does not explain:\n%s", clipBody(body))
	}
	// Another account is not locked by this one's failures.
	if res, _ := e.browser().signIn("op@acme.test", password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another account was throttled too: %d", res.StatusCode)
	}
	e.clock.advance(throttleWindow)
	if res, body := b.signIn("admin@acme.test", password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: %d\n%s", res.StatusCode, clipBody(body))
	}
}

func TestThrottlePerAddress(t *testing.T) {
	t.Parallel()
	th, now := newThrottle(storetest.SQLite(t), time.Minute, slog.New(slog.DiscardHandler)), time.Now()
	ip1, ip2 := limitOf{"ip:1", 3}, limitOf{"ip:2", 3}
	for range 3 {
		if _, wait, err := th.begin(t.Context(), now, ip1); err != nil || wait != 0 {
			t.Fatalf("throttled before the limit: %s, %v", wait, err)
		}
	}
	if _, wait, _ := th.begin(t.Context(), now.Add(10*time.Second), ip1); wait != 50*time.Second {
		t.Errorf("wait = %s, want 50s: until the oldest failure leaves the window", wait)
	}
	if _, wait, _ := th.begin(t.Context(), now, ip2); wait != 0 {
		t.Error("another address is throttled")
	}
	if _, wait, _ := th.begin(t.Context(), now.Add(time.Minute), ip1); wait != 0 {
		t.Error("still throttled after the window")
	}
}

// TestSignInThrottledAcrossServers: two Manage servers on one database, as
// two processes behind a load balancer, count an account's failed
// sign-ins together; so do tries sent at once.
func TestSignInThrottledAcrossServers(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		tn, _, err := vault.New(st).EnsureTenant(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := operator.New(st).Create(t.Context(), operator.NewParams{TenantID: tn.ID, Email: "admin@acme.test",
			Role: store.RoleAdmin, Password: password}); err != nil {
			t.Fatal(err)
		}
		var servers []*env
		for range 2 {
			m := New(Deps{Store: st, Workflow: &workflow.Service{Store: st}, Vault: vault.New(st), PublicURL: "http://127.0.0.1"})
			mux := http.NewServeMux()
			m.Register(mux)
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			servers = append(servers, &env{t: t, srv: srv})
		}
		// Five wrong passwords, sent at once, alternating between the
		// servers: each is a failure, none more than five are checked.
		var wg sync.WaitGroup
		statuses := make([]int, throttleEmailMax+3)
		for i := range statuses {
			wg.Go(func() {
				res, _ := servers[i%2].browser().signIn("admin@acme.test", "guess")
				statuses[i] = res.StatusCode
			})
		}
		wg.Wait()
		checked := 0
		for _, s := range statuses {
			switch s {
			case http.StatusUnauthorized:
				checked++
			case http.StatusTooManyRequests:
			default:
				t.Errorf("a wrong password at once: %d", s)
			}
		}
		if checked > throttleEmailMax {
			t.Errorf("%d tries at once were checked, want at most %d", checked, throttleEmailMax)
		}
		// Fill the allowance up, then neither server takes the right one.
		for i := checked; i < throttleEmailMax; i++ {
			res, body := servers[i%2].browser().signIn("admin@acme.test", "guess")
			wantStatus(t, "failed sign-in", res, body, http.StatusUnauthorized)
		}
		for i, e := range servers {
			res, body := e.browser().signIn("admin@acme.test", password)
			wantStatus(t, fmt.Sprintf("the right password on server %d", i), res, body, http.StatusTooManyRequests)
		}
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	before, _ := e.st.ListSigningSecrets(ctx, e.acme.ID, time.Now())
	b := e.signIn("admin@acme.test")
	for _, c := range []struct {
		name  string
		token string
	}{{"no token", ""}, {"wrong token", strings.Repeat("x", len(b.csrf))}} {
		res, body := b.post("/manage/vault/secret/rotate", url.Values{"csrf": {c.token}})
		wantStatus(t, c.name, res, body, http.StatusForbidden)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/manage/vault/secret/rotate",
		strings.NewReader(url.Values{"csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := read(t, res)
	wantStatus(t, "cross-site Origin", res, body, http.StatusForbidden)
	// A browser that says the request is cross-site is refused too, with
	// or without Origin.
	req, _ = http.NewRequest("POST", e.srv.URL+"/manage/vault/secret/rotate",
		strings.NewReader(url.Values{"csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, err = b.c.Do(req); err != nil {
		t.Fatal(err)
	}
	body = read(t, res)
	wantStatus(t, "Sec-Fetch-Site: cross-site", res, body, http.StatusForbidden)
	after, _ := e.st.ListSigningSecrets(ctx, e.acme.ID, time.Now())
	if len(after) != len(before) {
		t.Fatalf("a refused form rotated the secret: %d secrets, was %d", len(after), len(before))
	}
	// The sign-in form has its own token: a form from elsewhere is refused.
	res, body = e.browser().post("/manage/signin", url.Values{"csrf": {"forged"}, "email": {"admin@acme.test"}, "password": {password}})
	wantStatus(t, "forged sign-in", res, body, http.StatusForbidden)
	// With the token the action goes through.
	if res, _ := b.post("/manage/vault/secret/rotate", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rotate with token: %d", res.StatusCode)
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := setup(t)
	op := e.signIn("op@acme.test")
	for _, p := range []string{"/manage/vault", "/manage/settings", "/manage/users", "/manage/audit"} {
		res, body := op.get(p)
		wantStatus(t, "operator GET "+p, res, body, http.StatusForbidden)
	}
	keys, _ := e.st.ListAPIKeys(t.Context(), e.acme.ID)
	res, body := op.post("/manage/vault/keys", url.Values{"name": {"sneaky"}, "scope": {"jobs:read"}})
	wantStatus(t, "operator creates a key", res, body, http.StatusForbidden)
	if after, _ := e.st.ListAPIKeys(t.Context(), e.acme.ID); len(after) != len(keys) {
		t.Fatal("an operator created a key")
	}
	for _, p := range []string{"/manage/", "/manage/jobs", "/manage/exceptions"} {
		res, body := op.get(p)
		wantStatus(t, "operator GET "+p, res, body, http.StatusOK)
		if strings.Contains(body, `href="/manage/vault"`) {
			t.Errorf("%s shows operators a link to Vault", p)
		}
	}
	admin := e.signIn("admin@acme.test")
	for _, p := range []string{"/manage/vault", "/manage/settings", "/manage/users", "/manage/audit"} {
		res, body := admin.get(p)
		wantStatus(t, "admin GET "+p, res, body, http.StatusOK)
	}
}

// TestSignInHugeEmailIsCountedSmall: a sign-in posted with a megabyte in
// its email field is throttled like any other, and its try is stored under
// a subject of the usual size, not the megabyte.
func TestSignInHugeEmailIsCountedSmall(t *testing.T) {
	t.Parallel()
	e := setup(t)
	huge := strings.Repeat("a", 1<<20) + "@acme.test"
	for range throttleEmailMax {
		res, body := e.browser().signIn(huge, "guess")
		wantStatus(t, "failed sign-in", res, body, http.StatusUnauthorized)
	}
	res, body := e.browser().signIn(huge, "guess")
	wantStatus(t, "throttled sign-in", res, body, http.StatusTooManyRequests)
	subject := throttleKey("email", huge)
	if len(subject) > 100 {
		t.Fatalf("the subject is %d bytes", len(subject))
	}
	tries, err := e.st.ListSignInTries(t.Context(), store.ListSignInTriesParams{Subject: subject, Since: time.Time{}, Limit: 10})
	if err != nil || len(tries) != throttleEmailMax {
		t.Errorf("%d tries stored under the hashed subject (%v), want %d", len(tries), err, throttleEmailMax)
	}
}
