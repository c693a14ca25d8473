package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfField = regexp.MustCompile(`data-csrf="([^"]+)"|name="csrf" value="([^"]+)"`)

// csrfOf opens the page with c and returns the CSRF token it carries.
func csrfOf(t *testing.T, e *env, c *http.Client, j job.Job) string {
	t.Helper()
	_, body := get(t, c, e.url(j, ""))
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", body)
	}
	return m[1] + m[2]
}

func TestPageForEachStatus(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.browser(t)
	meta := []job.Metadata{{PropertyID: "product", PropertyName: "Product", Value: "A5 flyer, 350 g"}}

	waiting := e.newJob(t, workflow.NewJobParams{Metadata: meta, Preflight: &job.Expectations{
		TrimSize: &job.Size{Width: 148, Height: 210, Unit: "mm"}, PageCount: 2, Bleed: &job.Bleed{Size: 3, Unit: "mm"},
	}})
	checking := e.newJob(t, workflow.NewJobParams{})
	e.upload(t, checking)
	failed := e.newJob(t, workflow.NewJobParams{})
	v := e.upload(t, failed)
	e.move(t, failed, v, job.Preflighting, nil, nil)
	e.move(t, failed, v, job.PreflightFailed, []job.Finding{
		{Code: "INSUFFICIENT_BLEED", Check: "bleed", Severity: "error", Message: "Page 2 has no bleed.", Page: 2},
		{Code: "RGB_COLOR", Check: "color", Severity: "warning", Message: "Colours are RGB."},
	}, nil)
	fetchFailed := e.newJob(t, workflow.NewJobParams{})
	nofile := store.ArtworkVersion{ID: id.New(id.ArtworkVersion), Filename: "artwork.pdf", CreatedAt: time.Now().UTC()}
	if _, err := e.flow.Transition(t.Context(), workflow.Change{
		TenantID: e.tenant, JobID: fetchFailed.ID, To: job.PreflightFailed, ArtworkVersionID: nofile.ID,
		SetCurrentVersion: true, NewVersion: &nofile, Errors: []job.Finding{
			{Code: "ARTWORK_FETCH_FAILED", Check: "artwork_fetch", Severity: "error", Message: "example.com answered 404."}},
	}); err != nil {
		t.Fatal(err)
	}
	proof := e.newJob(t, workflow.NewJobParams{})
	e.proofReady(t, proof, e.upload(t, proof), 2, nil)
	delayed := e.newJob(t, workflow.NewJobParams{})
	e.upload(t, delayed)
	e.proofGivenUp(t, delayed)
	cancelled := e.newJob(t, workflow.NewJobParams{})
	if _, err := e.flow.Cancel(t.Context(), e.tenant, cancelled.ID, job.Actor{Kind: job.ActorOperator}); err != nil {
		t.Fatal(err)
	}
	// Past its lifetime, before the sweeper marks it expired.
	e.flow.Lifetime = -time.Minute
	expired := e.newJob(t, workflow.NewJobParams{})
	e.flow.Lifetime = 0

	tests := []struct {
		name   string
		url    string
		status int
		want   []string
	}{
		{"awaiting upload", e.url(waiting, ""), 200, []string{"Upload your artwork", "A5 flyer, 350 g", "148 × 210 mm", "2 pages", "3 mm", "1 GiB", `action="/u/` + waiting.UploadToken + `/upload?csrf=`}},
		{"checking", e.url(checking, ""), 200, []string{"Checking your file", "flyer.pdf"}},
		{"preflight failed", e.url(failed, ""), 200, []string{"Your file needs one change", "Page 2 has no bleed.", "Whole file", "Must fix", "Upload a corrected file"}},
		{"artwork URL failed", e.url(fetchFailed, ""), 200, []string{"Please upload your file", "could not download your artwork", "Your PDF"}},
		{"proof", e.url(proof, ""), 200, []string{"Check your proof", "Approve for print", "Request changes", `class="trim"`, "/proof/"}},
		{"proof given up", e.url(delayed, ""), 200, []string{"Your proof is delayed", "Nothing is lost", "flyer.pdf"}},
		{"cancelled", e.url(cancelled, ""), 410, []string{"This order was cancelled"}},
		{"expired", e.url(expired, ""), 410, []string{"This link has expired"}},
		{"unknown", e.srv.URL + "/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 404, []string{"We can&#39;t find this link"}},
		{"junk", e.srv.URL + "/u/%3Cscript%3E", 404, []string{"We can&#39;t find this link"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, c, tt.url)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}

func TestUserStringsAreEscaped(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{
		ExternalID: `<script>alert(1)</script>`,
		Metadata:   []job.Metadata{{PropertyID: "x", PropertyName: `<img src=x onerror=alert(2)>`, Value: `"><b>bold</b>`}},
		Brand:      &job.Brand{Color: "#fff", Logo: `https://example.com/logo.png?a="><script>`},
	})
	_, body := get(t, e.browser(t), e.url(j, ""))
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>bold", `"><script>`} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the order reference is not shown escaped")
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{Brand: &job.Brand{Color: "#00ff00"}})
	resp, err := e.browser(t).Get(e.url(j, ""))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "img-src 'self';"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "https:") || strings.Contains(csp, "http:") || strings.Contains(csp, "data:") {
		t.Errorf("CSP %q lets the page load from other origins", csp)
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
	if nonce == nil || !strings.Contains(string(body), `<style nonce="`+nonce[1]+`">:root{--accent:#00ff00;--on-accent:#111111`) {
		t.Errorf("brand style is not nonce'd or lacks the dark text a light green needs:\n%s", body)
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).Match(body) {
		t.Error("the page has an inline script")
	}
	if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy %q: the link token could leak", got)
	}
	c := resp.Cookies()
	if len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
		t.Errorf("CSRF cookie %+v", c)
	}
}

func TestCSRFRefusesForeignPosts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	e.proofReady(t, j, e.upload(t, j), 1, nil)
	c := e.browser(t)
	token := csrfOf(t, e, c, j)

	post := func(form url.Values, hdr map[string]string) int {
		req, _ := http.NewRequest("POST", e.url(j, "/approve"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(url.Values{"confirm": {"on"}}, nil); got != http.StatusForbidden {
		t.Errorf("no token: %d, want 403", got)
	}
	if got := post(url.Values{"csrf": {token + "x"}}, nil); got != http.StatusForbidden {
		t.Errorf("wrong token: %d, want 403", got)
	}
	if got := post(url.Values{"csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); got != http.StatusForbidden {
		t.Errorf("cross-site with the token: %d, want 403", got)
	}
	if got := post(url.Values{"csrf": {token}}, nil); got != http.StatusSeeOther {
		t.Errorf("right token: %d, want 303", got)
	}
	if j2, _ := e.st.Job(t.Context(), j.TenantID, j.ID); j2.Status != job.Approved {
		t.Errorf("status %s after approval", j2.Status)
	}
	status, body := get(t, c, e.url(j, ""))
	if status != 200 || !strings.Contains(body, "your proof is approved") {
		t.Errorf("approved page: %d\n%s", status, body)
	}
}

func TestRejectNeedsAReason(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	e.proofReady(t, j, e.upload(t, j), 1, nil)
	c := e.browser(t)
	token := csrfOf(t, e, c, j)
	reject := func(reason string) (int, string) {
		resp, err := c.PostForm(e.url(j, "/reject"), url.Values{"csrf": {token}, "reason": {reason}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := reject("   "); status != http.StatusUnprocessableEntity || !strings.Contains(body, "Tell us what should change") {
		t.Errorf("empty reason: %d", status)
	}
	if status, body := reject(strings.Repeat("é", maxReason+1)); status != http.StatusUnprocessableEntity || !strings.Contains(body, "under 2,000 characters") {
		t.Errorf("a reason of %d characters: %d", maxReason+1, status)
	}
	// A body past the form limit is refused as too large, however the
	// token is sent, and changes nothing.
	big := url.Values{"reason": {strings.Repeat("x", maxFormBytes)}}.Encode()
	for _, inForm := range []bool{true, false} {
		body, req := big, (*http.Request)(nil)
		if inForm {
			body = "csrf=" + token + "&" + big
		}
		req, _ = http.NewRequest("POST", e.url(j, "/reject"), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if !inForm {
			req.Header.Set(csrfHeader, token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "far too long") {
			t.Errorf("an oversized form (token in form: %v): %d", inForm, resp.StatusCode)
		}
	}
	if j2, _ := e.st.Job(t.Context(), j.TenantID, j.ID); j2.Status != job.ProofGenerated {
		t.Fatalf("status %s after refused rejections", j2.Status)
	}
	if status, _ := reject("The phone number is <wrong>."); status != http.StatusSeeOther {
		t.Fatalf("reject: %d", status)
	}
	_, body := get(t, c, e.url(j, ""))
	if !strings.Contains(body, "The phone number is &lt;wrong&gt;.") || !strings.Contains(body, "Upload a new version") {
		t.Errorf("rejected page does not show the reason and an upload:\n%s", body)
	}
}

// multipartBody builds the plain upload form.
func multipartBody(t *testing.T, name string, data []byte) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestPlainUpload(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{maxUpload: 4096})
	tests := []struct {
		name   string
		file   string
		data   []byte
		status int
		text   string
	}{
		{"pdf", "flyer.pdf", tinyPDF, http.StatusSeeOther, ""},
		{"not a pdf", "flyer.pdf", []byte("GIF89a..."), http.StatusUnsupportedMediaType, "not a PDF"},
		{"too large", "big.pdf", append(append([]byte{}, tinyPDF...), make([]byte, 8192)...), http.StatusRequestEntityTooLarge, "larger than 4 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := e.newJob(t, workflow.NewJobParams{})
			c := e.browser(t)
			token := csrfOf(t, e, c, j)
			body, ct := multipartBody(t, tt.file, tt.data)
			resp, err := c.Post(e.url(j, "/upload?csrf="+url.QueryEscape(token)), ct, body)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.text) {
				t.Errorf("status %d, want %d with %q:\n%s", resp.StatusCode, tt.status, tt.text, b)
			}
			j2, _ := e.st.Job(t.Context(), j.TenantID, j.ID)
			if want := tt.status == http.StatusSeeOther; (j2.Status == job.Uploaded) != want {
				t.Errorf("job is %s", j2.Status)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{rate: 0.01, burst: 3})
	c := e.browser(t)
	for i := range 3 {
		if status, _ := get(t, c, e.srv.URL+"/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); status != http.StatusNotFound {
			t.Fatalf("request %d: %d", i, status)
		}
	}
	resp, err := c.Get(e.srv.URL + "/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("4th request: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestProofImages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	v := e.upload(t, j)
	e.proofReady(t, j, v, 2, nil)
	other := e.newJob(t, workflow.NewJobParams{})
	c := e.browser(t)

	resp, err := c.Get(e.url(j, "/proof/"+v.ID+"/2.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
		t.Errorf("page 2: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, u := range []string{e.url(j, "/proof/"+v.ID+"/3.jpg"), e.url(other, "/proof/"+v.ID+"/1.jpg"), e.url(j, "/proof/av_nope/1.jpg")} {
		if status, _ := get(t, c, u); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, status)
		}
	}
}

func TestStatusAndEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	c := e.browser(t)
	status, body := get(t, c, e.url(j, "/status"))
	if status != 200 || !strings.Contains(body, `"view":"upload"`) {
		t.Errorf("status: %d %s", status, body)
	}
	resp, err := c.Get(e.url(j, "/events"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events Content-Type %q", ct)
	}
	e.upload(t, j)
	buf := make([]byte, 4096)
	var got string
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(got, `"status":"uploaded"`) {
		n, err := resp.Body.Read(buf)
		got += string(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(got, "event: status") || !strings.Contains(got, `"view":"processing"`) {
		t.Errorf("stream did not report the upload:\n%s", got)
	}
}

// TestProofDelayed: when the pipeline gives up on a proof, an open page
// stops saying "preparing your proof" (the spinner) and says it is
// delayed, though the job's status and sequence do not change; when an
// operator has it made again, the page goes back to "preparing".
func TestProofDelayed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	v := e.upload(t, j)
	e.move(t, j, v, job.Preflighting, nil, nil)
	e.move(t, j, v, job.PreflightPassed, nil, nil)
	c := e.browser(t)
	if _, body := get(t, c, e.url(j, "")); !strings.Contains(body, "Preparing your proof") || strings.Contains(body, "delayed") {
		t.Fatalf("before: the page does not say the proof is being prepared")
	}
	resp, err := c.Get(e.url(j, "/events"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				events <- string(buf[:n])
			}
			if err != nil {
				close(events)
				return
			}
		}
	}()
	waitFor := func(what string) {
		t.Helper()
		var got string
		timeout := time.After(10 * time.Second)
		for !strings.Contains(got, what) {
			select {
			case s, ok := <-events:
				if !ok {
					t.Fatalf("the stream ended before %s:\n%s", what, got)
				}
				got += s
			case <-timeout:
				t.Fatalf("no %s on the stream:\n%s", what, got)
			}
		}
	}
	waitFor(`"view":"processing"`)

	j = e.proofGivenUp(t, j)
	waitFor(`"view":"proofdelayed"`)
	status, body := get(t, c, e.url(j, ""))
	if status != 200 || !strings.Contains(body, "Your proof is delayed") || !strings.Contains(body, "Nothing is lost") || strings.Contains(body, `class="spinner"`) {
		t.Errorf("after giving up: %d, the page does not say the proof is delayed", status)
	}
	if strings.Contains(body, workflow.CodeProofFailed) || strings.Contains(body, "An operator has to look") {
		t.Error("the page shows the operator's finding to the customer")
	}
	if _, body = get(t, c, e.url(j, "/status")); !strings.Contains(body, `"view":"proofdelayed"`) {
		t.Errorf("status: %s", body)
	}

	if _, err := e.flow.RetryProof(t.Context(), j.TenantID, j.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(`"view":"processing"`)
	if _, body = get(t, c, e.url(j, "")); !strings.Contains(body, "Preparing your proof") {
		t.Error("after the retry the page does not say the proof is being prepared")
	}
}
