package manage

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/atomyx/submit/internal/store"
)

// TestFreeTextRefusesControlCharacters: a note, a key name and an email
// address with a control or bidirectional control character are refused
// with the words of the API and the customer page, and nothing is stored.
func TestFreeTextRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, d := e.failedDelivery(e.acme.ID, "ORDER-1", hook+"/a")
	b := e.signIn("admin@acme.test")
	for _, tc := range []struct {
		what, path string
		form       url.Values
		want       string
	}{
		{"a note with ESC", "/manage/deliveries/" + d.ID + "/resolve", url.Values{"note": {"done\x1b[2J by hand"}},
			"The note contains a control character (U+001B) at character 5"},
		{"a note with NUL", "/manage/deliveries/" + d.ID + "/resolve", url.Values{"note": {"done\x00"}}, "(U+0000)"},
		{"a key name with U+202E", "/manage/vault/keys", url.Values{"name": {"ERP \u202elive"}, "mode": {"test"}, "scope": {"jobs:read"}},
			"The key name contains a bidirectional control character (U+202E) at character 5"},
		{"a key name of 101 characters", "/manage/vault/keys", url.Values{"name": {strings.Repeat("k", 101)}, "mode": {"test"}, "scope": {"jobs:read"}},
			"The key name has 101 characters; use at most 100."},
		{"a callback URL with U+202E", "/manage/settings", url.Values{"callback_url": {"https://erp.example.com/\u202eknil"}},
			"The callback URL contains a bidirectional control character (U+202E) at character 25"},
		{"an email with U+202E", "/manage/users", url.Values{"email": {"ann\u202e@acme.test"}, "role": {store.RoleOperator}, "password": {password}},
			"The email address contains a bidirectional control character (U+202E) at character 4"},
	} {
		res, body := b.post(tc.path, tc.form)
		wantStatus(t, tc.what, res, body, http.StatusUnprocessableEntity)
		if !strings.Contains(html.UnescapeString(body), tc.want) {
			t.Errorf("%s: the page does not say %q\n%s", tc.what, tc.want, clipBody(body))
		}
	}
	if got, _ := e.st.Delivery(t.Context(), e.acme.ID, d.ID); got.State != store.DeliveryFailed {
		t.Errorf("the delivery is %s after refused notes", got.State)
	}
	keys, err := e.st.ListAPIKeys(t.Context(), e.acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k.Name, "\u202e") || utf8.RuneCountInString(k.Name) > 100 {
			t.Errorf("key %q stored", k.Name)
		}
	}
	if tn, _ := e.st.Tenant(t.Context(), e.acme.ID); tn.Settings.CallbackURL != "" {
		t.Errorf("callback URL %q stored", tn.Settings.CallbackURL)
	}
	users, _ := e.st.ListUsers(t.Context(), e.acme.ID)
	for _, u := range users {
		if strings.Contains(u.Email, "\u202e") {
			t.Errorf("operator %q stored", u.Email)
		}
	}
}
