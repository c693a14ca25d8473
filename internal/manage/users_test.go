package manage

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/store"
)

// signedOut reports whether b's session has ended: Manage sends it to
// the sign-in page.
func signedOut(b *browser) bool {
	res, _ := b.get("/manage/")
	return res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/manage/signin")
}

// TestDisableOperator: an admin disables an operator, who is signed out
// at once and told so only after giving the right password; enabling lets
// them in again. Admins cannot disable themselves, nor anyone of another
// tenant, and operators cannot disable anyone.
func TestDisableOperator(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	admin, op := e.signIn("admin@acme.test"), e.signIn("op@acme.test")
	target, err := e.st.UserByEmail(ctx, "op@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	me, _ := e.st.UserByEmail(ctx, "admin@acme.test")
	theirs, _ := e.st.UserByEmail(ctx, "admin@globex.test")

	res, body := op.post("/manage/users/"+me.ID+"/disable", nil)
	wantStatus(t, "an operator disabling an admin", res, body, http.StatusForbidden)
	res, body = admin.post("/manage/users/"+me.ID+"/disable", nil)
	wantStatus(t, "disabling yourself", res, body, http.StatusConflict)
	res, body = admin.post("/manage/users/"+theirs.ID+"/disable", nil)
	wantStatus(t, "disabling another tenant's admin", res, body, http.StatusNotFound)

	res, body = admin.post("/manage/users/"+target.ID+"/disable", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/manage/users?done=disabled" {
		t.Fatalf("disable: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), clipBody(body))
	}
	if !signedOut(op) {
		t.Error("the disabled operator is still signed in")
	}
	if _, body = admin.get("/manage/users"); !strings.Contains(body, "disabled") || !strings.Contains(body, "/manage/users/"+target.ID+"/enable") {
		t.Error("the operators page does not show the operator as disabled with Enable")
	}
	res, body = e.browser().signIn("op@acme.test", "not the password")
	wantStatus(t, "a disabled operator with a wrong password", res, body, http.StatusUnauthorized)
	if strings.Contains(body, "disabled") {
		t.Error("a wrong password learns that the account is disabled")
	}
	res, body = e.browser().signIn("op@acme.test", password)
	wantStatus(t, "a disabled operator signing in", res, body, http.StatusForbidden)
	if !strings.Contains(body, "This account is disabled") {
		t.Errorf("the sign-in page does not say the account is disabled:\n%s", clipBody(body))
	}

	res, body = admin.post("/manage/users/"+target.ID+"/enable", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d\n%s", res.StatusCode, clipBody(body))
	}
	e.signIn("op@acme.test") // fails the test unless it works
	audit, _ := e.st.ListAudit(ctx, store.ListAuditParams{TenantID: e.acme.ID, Limit: 10})
	if len(audit) < 2 || audit[0].Action != "user.enable" || audit[1].Action != "user.disable" || audit[1].Target != target.ID {
		t.Errorf("audit = %+v", audit)
	}
}

// TestChangePassword: an operator changes their own password after giving
// the current one; their other browsers are signed out, this one is not,
// and only the new password signs in.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := setup(t)
	here, elsewhere := e.signIn("op@acme.test"), e.signIn("op@acme.test")
	if _, body := here.get("/manage/account"); !strings.Contains(body, `action="/manage/account/password"`) {
		t.Fatal("the account page has no password form")
	}
	const next = "a much better passphrase"
	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"wrong current", url.Values{"current": {"guess"}, "password": {next}, "confirm": {next}}, "current password is not right"},
		{"repetition differs", url.Values{"current": {password}, "password": {next}, "confirm": {next + "!"}}, "differ"},
		{"too short", url.Values{"current": {password}, "password": {"short"}, "confirm": {"short"}}, "8"},
		{"unchanged", url.Values{"current": {password}, "password": {password}, "confirm": {password}}, "same as the current"},
	} {
		res, body := here.post("/manage/account/password", tt.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d, want 422 saying %q\n%s", tt.name, res.StatusCode, tt.want, clipBody(body))
		}
	}
	if signedOut(elsewhere) {
		t.Fatal("a refused change signed the other browser out")
	}
	res, body := here.post("/manage/account/password", url.Values{"current": {password}, "password": {next}, "confirm": {next}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/manage/account?done=password" {
		t.Fatalf("change: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), clipBody(body))
	}
	if signedOut(here) {
		t.Error("the browser that changed the password was signed out")
	}
	if !signedOut(elsewhere) {
		t.Error("the other browser is still signed in")
	}
	if res, _ := e.browser().signIn("op@acme.test", password); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password: %d, want 401", res.StatusCode)
	}
	if res, _ := e.browser().signIn("op@acme.test", next); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password: %d, want 303", res.StatusCode)
	}
	audit, _ := e.st.ListAudit(t.Context(), store.ListAuditParams{TenantID: e.acme.ID, Limit: 10})
	if len(audit) == 0 || audit[0].Action != "user.password" || strings.Contains(audit[0].Detail, next) {
		t.Errorf("audit = %+v", audit)
	}
}
