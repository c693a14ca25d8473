package web

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// postForm sends the form with c and returns the status and body.
func postForm(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRejectRefusesControlCharacters: a reason with a control or
// bidirectional control character is refused with the character's name
// and place and never reaches the store or the ERP; line breaks from the
// text area are stored as LF.
func TestRejectRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	e.proofReady(t, j, e.upload(t, j), 1, nil)
	c := e.browser(t)
	token := csrfOf(t, e, c, j)
	for _, tc := range []struct{ reason, want string }{
		{"wrong\x00number", "a control character (U+0000) at character 6"},
		{"wrong \x1b[2Jnumber", "a control character (U+001B) at character 7"},
		{"wrong \u0085number", "a line break (U+0085) at character 7"},
		{"order INV-\u202e1001", "a bidirectional control character (U+202E) at character 11"},
		{"bad \xffbyte", "a byte that is not UTF-8 at character 5"},
	} {
		status, body := postForm(t, c, e.url(j, "/reject"), url.Values{"csrf": {token}, "reason": {tc.reason}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), "The reason contains "+tc.want) {
			t.Errorf("reason %q: %d, want 422 naming %q", tc.reason, status, tc.want)
		}
	}
	if j2, _ := e.st.Job(t.Context(), j.TenantID, j.ID); j2.Status != job.ProofGenerated {
		t.Fatalf("status %s after refused rejections", j2.Status)
	}
	if status, _ := postForm(t, c, e.url(j, "/reject"), url.Values{"csrf": {token}, "reason": {"Page 2:\r\n\tthe phone number\r\nis wrong."}}); status != http.StatusSeeOther {
		t.Fatalf("a multi-line reason: %d", status)
	}
	events, _ := e.st.ListEvents(t.Context(), j.TenantID, j.ID)
	last := events[len(events)-1]
	if last.Type != job.EventRejected || len(last.Errors) != 1 || last.Errors[0].Message != "Page 2:\n\tthe phone number\nis wrong." {
		t.Errorf("rejected event %+v: the reason must keep its lines, as LF", last)
	}
}

// FuzzRejectForm feeds arbitrary form bodies to the reject form's
// handling: the reason as the form gives it to checkReason. Whatever comes
// in, a reason is refused with words for the customer, or accepted in the
// form the workflow stores it: 1 to 2,000 characters of UTF-8 without
// control characters other than LF and tab, and unchanged by Reject's own
// check.
func FuzzRejectForm(f *testing.F) {
	for _, seed := range []string{
		"csrf=x&reason=The+phone+number+is+wrong.",
		"reason=Page+2%3A%0D%0A%09wrong%0D",
		"reason=%00&reason=second",
		"reason=%1B%5B2J",
		"reason=INV-%E2%80%AE1001",
		"reason=%C2%85%E2%80%A8",
		"reason=%FF%FE",
		"reason=%ED%A0%80",
		"reason=" + strings.Repeat("%C3%A9", 2001),
		"reason=++++",
		"reason=%",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/u/token/reject", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		reason, problem := checkReason(i18n.NewPrinter(i18n.English), r.PostFormValue("reason"))
		if problem != "" {
			if !strings.HasSuffix(problem, ".") || !strings.HasPrefix(problem, strings.ToUpper(problem[:1])) {
				t.Fatalf("problem %q is not a sentence", problem)
			}
			return
		}
		n := utf8.RuneCountInString(reason)
		if !utf8.ValidString(reason) || n == 0 || n > maxReason || strings.ContainsAny(reason, "\r\x00") {
			t.Fatalf("accepted reason %q", reason)
		}
		for _, r := range reason {
			if r != '\n' && r != '\t' && job.ControlKind(r) != "" {
				t.Fatalf("accepted reason %q with %U", reason, r)
			}
		}
		if again, err := workflow.CleanReason(reason); err != nil || again != reason {
			t.Fatalf("Reject would store %q (%v), not %q", again, err, reason)
		}
	})
}
