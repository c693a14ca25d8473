package manage

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/atomyx/submit/internal/store"
)

// newBrowser starts Chromium for one test; see browsertest.New.
func newBrowser(t *testing.T) context.Context { return browsertest.New(t) }

// browserTimeout bounds one group of browser steps: generous, because the
// machine may be busy, and no test asserts on timing.
const browserTimeout = time.Minute

// do runs browser steps; see browsertest.Do.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, browserTimeout, what, steps...)
}

// get runs one browser action that returns a value; see browsertest.Get.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Get(t, ctx, browserTimeout, what, a)
}

// signInBrowser signs in through the form and waits for the dashboard.
func signInBrowser(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/manage/signin"),
		browsertest.Shown("#email"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		browsertest.Shown("#open-exceptions"),
	)
}

// TestBrowser drives Manage in Chromium through sign-in, retrying an
// exception, creating and revoking a key and rotating the secret.
func TestBrowser(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := newBrowser(t)
	base := e.srv.URL
	_, d := e.failedDelivery(e.acme.ID, "BROWSER-ORDER-1", hook)

	t.Run("SignInRefusesWrongPassword", func(t *testing.T) {
		do(t, ctx, "wrong password",
			chromedp.Navigate(base+"/manage/signin"),
			browsertest.Shown("#email"),
			chromedp.SendKeys(chromedp.ID("email"), "admin@acme.test"),
			chromedp.SendKeys(chromedp.ID("password"), "not it"),
			chromedp.Click(chromedp.CSS("form button[type=submit]")),
			browsertest.Shown("#signin-problem"),
		)
		msg := get(t, ctx, "read the problem", chromedp.Text(chromedp.ID("signin-problem")))
		if msg != "The email or the password is not right." {
			t.Errorf("sign-in problem = %q", msg)
		}
	})
	signInBrowser(t, ctx, base, "admin@acme.test")

	t.Run("RetryException", func(t *testing.T) {
		do(t, ctx, "retry",
			chromedp.Navigate(base+"/manage/exceptions"),
			browsertest.Shown("#exception-"+d.ID),
			chromedp.Click(chromedp.CSS("#exception-"+d.ID+" button.primary")),
			browsertest.Shown("#no-exceptions"),
		)
		if got, _ := e.st.Delivery(t.Context(), e.acme.ID, d.ID); got.State != store.DeliveryPending {
			t.Errorf("delivery is %s after retry, want pending", got.State)
		}
	})

	t.Run("CreateAndRevokeKey", func(t *testing.T) {
		do(t, ctx, "create key",
			chromedp.Navigate(base+"/manage/vault"),
			browsertest.Shown("#key-name"),
			chromedp.SendKeys(chromedp.ID("key-name"), "Browser ERP"),
			chromedp.Click(chromedp.CSS("#create-key button[type=submit]")),
			browsertest.Shown("#new-key"),
		)
		key := get(t, ctx, "read the key", chromedp.Value(chromedp.ID("new-key")))
		if status := apiStatus(t, base, key); status != http.StatusOK {
			t.Fatalf("new key %q: API answered %d", key, status)
		}
		keys, _ := e.st.ListAPIKeys(t.Context(), e.acme.ID)
		var id string
		for _, k := range keys {
			if k.Name == "Browser ERP" {
				id = k.ID
			}
		}
		do(t, ctx, "revoke key",
			browsertest.Shown("#key-"+id+" button.danger"),
			chromedp.Click(chromedp.CSS("#key-"+id+" button.danger")),
			browsertest.Shown("#key-"+id+".revoked"),
		)
		if status := apiStatus(t, base, key); status != http.StatusUnauthorized {
			t.Errorf("revoked key: API answered %d, want 401", status)
		}
	})

	t.Run("RotateSecret", func(t *testing.T) {
		before, _ := e.vault.ActiveSecret(t.Context(), e.acme.ID)
		do(t, ctx, "rotate",
			chromedp.Navigate(base+"/manage/vault"),
			browsertest.Shown("#rotate-secret"),
			chromedp.Click(chromedp.ID("rotate-secret")),
			browsertest.Shown("#previous-secrets"),
		)
		shown := get(t, ctx, "read the secret", chromedp.Value(chromedp.ID("active-secret")))
		after, _ := e.vault.ActiveSecret(t.Context(), e.acme.ID)
		if after == before || shown != after {
			t.Errorf("after rotation: active %q (was %q), Vault shows %q", after, before, shown)
		}
	})
}

// apiStatus calls the API with a key and returns the status.
func apiStatus(t *testing.T, base, key string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/jobs", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	read(t, res)
	return res.StatusCode
}
