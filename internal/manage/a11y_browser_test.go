package manage

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
)

// TestBrowserAxe: axe-core finds no WCAG 2.0, 2.1 or 2.2 A or AA
// violation on any of Manage's pages, in Chromium, with an account that
// has jobs in every status, exceptions and an audit trail: sign-in (empty
// and refused), dashboard, jobs, one job, exceptions, settings,
// operators, audit, Vault, account, a page that is not there, and the
// jobs and dashboard of test data.
func TestBrowserAxe(t *testing.T) {
	t.Parallel()
	e := setup(t)
	jobID := seedDemo(t, e)
	ctx := newBrowser(t)
	base := e.srv.URL

	do(t, ctx, "open sign-in", chromedp.Navigate(base+"/manage/signin"), browsertest.Shown("#email"))
	browsertest.CheckAxe(t, ctx, browserTimeout, "sign-in")
	do(t, ctx, "sign in wrongly",
		chromedp.SendKeys(chromedp.ID("email"), "admin@acme.test"),
		chromedp.SendKeys(chromedp.ID("password"), "not it"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		browsertest.Shown("#signin-problem"))
	browsertest.CheckAxe(t, ctx, browserTimeout, "sign-in refused")

	signInBrowser(t, ctx, base, "admin@acme.test")
	for _, p := range []struct{ name, path, ready string }{
		{"dashboard", "/manage/", "main"},
		{"jobs", "/manage/jobs", "main"},
		{"jobs, filtered", "/manage/jobs?status=preflight_failed", "main"},
		{"job", "/manage/jobs/" + jobID, "#job-status"},
		{"exceptions", "/manage/exceptions", "#exceptions"},
		{"settings", "/manage/settings", "main form"},
		{"operators", "/manage/users", "main"},
		{"audit", "/manage/audit", "main"},
		{"vault", "/manage/vault", "#signing-secret"},
		{"account", "/manage/account", "main form"},
		{"not found", "/manage/nothing-here", "main"},
	} {
		do(t, ctx, "open "+p.name, chromedp.Navigate(base+p.path), browsertest.Shown(p.ready))
		browsertest.CheckAxe(t, ctx, browserTimeout, p.name)
	}

	// Test data, with its badge (an admin signs in to live data).
	do(t, ctx, "switch mode", chromedp.Navigate(base+"/manage/jobs"), browsertest.Shown("form.mode button"),
		chromedp.Click(chromedp.CSS(`form.mode button[value="test"]`)), browsertest.Shown(`form.mode button[value="live"]`))
	browsertest.CheckAxe(t, ctx, browserTimeout, "jobs, other mode")
	do(t, ctx, "open the dashboard", chromedp.Navigate(base+"/manage/"), browsertest.Shown("main"))
	browsertest.CheckAxe(t, ctx, browserTimeout, "dashboard, other mode")
}
