package manage

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

const hook = "http://127.0.0.1:9/hooks/erp"

// TestTenantIsolation: an operator of acme reaches nothing of globex's,
// neither through the pages nor by editing URLs; another tenant's id is a
// 404, exactly like an id that does not exist.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	theirJob, theirDelivery := e.failedDelivery(e.globex.ID, "GLOBEX-SECRET-ORDER", hook+"/globex")
	_, theirOther := e.failedDelivery(e.globex.ID, "GLOBEX-OTHER", hook+"/globex")
	theirKey, _, err := e.vault.CreateKey(ctx, vault.KeyParams{TenantID: e.globex.ID, Name: "globex erp", Livemode: true})
	if err != nil {
		t.Fatal(err)
	}
	theirSecret, _ := e.vault.ActiveSecret(ctx, e.globex.ID)
	e.failedDelivery(e.acme.ID, "ACME-1", hook+"/acme")

	b := e.signIn("admin@acme.test")
	for _, p := range []string{"/manage/", "/manage/jobs", "/manage/jobs?q=GLOBEX-SECRET-ORDER", "/manage/exceptions",
		"/manage/vault", "/manage/settings", "/manage/users", "/manage/audit"} {
		res, body := b.get(p)
		wantStatus(t, p, res, body, http.StatusOK)
		body = html.UnescapeString(body) // so that a leaked secret with + is seen
		for _, leak := range []string{"GLOBEX", theirJob.ID, theirDelivery.ID, "globex erp", theirKey.Lookup, theirSecret, "admin@globex.test", "/globex"} {
			if leak == "GLOBEX" && strings.Contains(p, "q=") {
				continue // the search box shows what was searched for
			}
			if strings.Contains(body, leak) {
				t.Errorf("%s shows globex's %q", p, leak)
			}
		}
	}
	res, body := b.get("/manage/jobs/" + theirJob.ID)
	wantStatus(t, "another tenant's job page", res, body, http.StatusNotFound)
	for _, p := range []string{
		"/manage/jobs/" + theirJob.ID + "/cancel", "/manage/jobs/" + theirJob.ID + "/refetch",
		"/manage/jobs/" + theirJob.ID + "/retry-proof",
		"/manage/deliveries/" + theirDelivery.ID + "/redeliver", "/manage/vault/keys/" + theirKey.ID + "/revoke",
		"/manage/vault/keys/sk_live_" + theirKey.Lookup + "/revoke",
	} {
		res, body := b.post(p, nil)
		wantStatus(t, "POST "+p, res, body, http.StatusNotFound)
	}
	res, body = b.post("/manage/deliveries/"+theirOther.ID+"/resolve", url.Values{"note": {"mine now"}})
	wantStatus(t, "resolve another tenant's exception", res, body, http.StatusNotFound)
	// Retry-all names a URL, not an id: it only ever sees the caller's own.
	res, _ = b.post("/manage/exceptions/retry-all", url.Values{"url": {hook + "/globex"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry-all: %d", res.StatusCode)
	}

	// Nothing of globex's changed.
	if j, _ := e.st.Job(ctx, e.globex.ID, theirJob.ID); j.Status != job.Uploaded {
		t.Errorf("globex's job is %s", j.Status)
	}
	for _, d := range []store.Delivery{theirDelivery, theirOther} {
		if got, _ := e.st.Delivery(ctx, e.globex.ID, d.ID); got.State != store.DeliveryFailed {
			t.Errorf("globex's delivery %s is %s, want failed", d.ID, got.State)
		}
	}
	if k, _ := e.st.APIKeyByLookup(ctx, theirKey.Lookup); k.RevokedAt != nil {
		t.Error("globex's key was revoked")
	}
	if audit, _ := e.st.ListAudit(ctx, store.ListAuditParams{TenantID: e.globex.ID, Limit: 10}); len(audit) != 0 {
		t.Errorf("globex's audit log has %d entries from acme's operator", len(audit))
	}
}

func TestExceptions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	j1, d1 := e.failedDelivery(e.acme.ID, "ORDER-1", hook+"/a")
	_, d2 := e.failedDelivery(e.acme.ID, "ORDER-2", hook+"/a")
	_, d3 := e.failedDelivery(e.acme.ID, "ORDER-3", hook+"/b")
	b := e.signIn("op@acme.test")

	res, body := b.get("/manage/exceptions")
	wantStatus(t, "exceptions", res, body, http.StatusOK)
	for _, want := range []string{"ORDER-1", "ORDER-2", "ORDER-3", "Retry all 2", "HTTP 500"} {
		if !strings.Contains(body, want) {
			t.Errorf("exceptions page lacks %q", want)
		}
	}
	res, body = b.post("/manage/deliveries/"+d1.ID+"/redeliver", url.Values{"back": {"/manage/jobs/" + j1.ID}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/manage/jobs/"+j1.ID+"?done=redelivered" {
		t.Fatalf("redeliver: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), clipBody(body))
	}
	got, _ := e.st.Delivery(ctx, e.acme.ID, d1.ID)
	if got.State != store.DeliveryPending || got.AttemptsLeft != 3 {
		t.Errorf("redelivered delivery: %s with %d attempts left, want pending with 3", got.State, got.AttemptsLeft)
	}
	if e.notified.Load() == 0 {
		t.Error("the callback worker was not woken")
	}

	res, body = b.post("/manage/deliveries/"+d3.ID+"/resolve", url.Values{"note": {""}})
	wantStatus(t, "resolve without a note", res, body, http.StatusUnprocessableEntity)
	res, _ = b.post("/manage/deliveries/"+d3.ID+"/resolve", url.Values{"note": {"re-entered in the ERP"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resolve: %d", res.StatusCode)
	}
	if got, _ := e.st.Delivery(ctx, e.acme.ID, d3.ID); got.State != store.DeliveryResolved || got.ResolvedNote != "re-entered in the ERP" {
		t.Errorf("resolved delivery: %s %q", got.State, got.ResolvedNote)
	}
	res, body = b.post("/manage/deliveries/"+d3.ID+"/resolve", url.Values{"note": {"again"}})
	wantStatus(t, "resolve twice", res, body, http.StatusConflict)

	res, _ = b.post("/manage/exceptions/retry-all", url.Values{"url": {hook + "/a"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry all: %d", res.StatusCode)
	}
	if got, _ := e.st.Delivery(ctx, e.acme.ID, d2.ID); got.State != store.DeliveryPending {
		t.Errorf("retry-all left %s %s", d2.ID, got.State)
	}
	_, body = b.get("/manage/exceptions")
	if !strings.Contains(body, `id="no-exceptions"`) {
		t.Errorf("exceptions remain after retry and resolve:\n%s", clipBody(body))
	}
	audit, _ := e.st.ListAudit(ctx, store.ListAuditParams{TenantID: e.acme.ID, Limit: 10})
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action+" by "+a.ActorEmail)
	}
	want := "delivery.retry_all by op@acme.test,delivery.resolve by op@acme.test,delivery.redeliver by op@acme.test"
	if strings.Join(actions, ",") != want {
		t.Errorf("audit = %v, want %s", actions, want)
	}
}

func TestJobPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j, d := e.failedDelivery(e.acme.ID, "ORDER-<b>42</b>", hook)
	secret, _ := e.vault.ActiveSecret(t.Context(), e.acme.ID)
	b := e.signIn("op@acme.test")

	res, body := b.get("/manage/jobs?q=" + url.QueryEscape("ORDER-<b>42</b>"))
	wantStatus(t, "search", res, body, http.StatusOK)
	if !strings.Contains(body, "/manage/jobs/"+j.ID) || strings.Contains(body, "<b>42</b>") {
		t.Errorf("search does not find the job, or shows its reference unescaped")
	}
	res, body = b.get("/manage/jobs/" + j.ID)
	wantStatus(t, "job page", res, body, http.StatusOK)
	for _, want := range []string{
		"ORDER-&lt;b&gt;42&lt;/b&gt;", "delivery-" + d.ID, "HTTP 500", "1.5 s", "the receiver answered 500",
		"upstream &lt;script&gt;alert(1)&lt;/script&gt; exploded", "/u/" + j.UploadToken, "Redeliver", "Cancel job",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("job page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, secret) {
		t.Error("job page shows unescaped response text or the signing secret")
	}

	res, _ = b.post("/manage/jobs/"+j.ID+"/cancel", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	if got, _ := e.st.Job(t.Context(), e.acme.ID, j.ID); got.Status != job.Cancelled {
		t.Errorf("job is %s after cancel", got.Status)
	}
	res, body = b.post("/manage/jobs/"+j.ID+"/cancel", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("cancelling a cancelled job: %d\n%s", res.StatusCode, clipBody(body))
	}
	res, body = b.get("/manage/jobs/ses_doesnotexist")
	wantStatus(t, "unknown job", res, body, http.StatusNotFound)
}

// TestVaultKeys: a key made in Vault is shown once and works; once revoked
// it is refused on its next request.
func TestVaultKeys(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.signIn("admin@acme.test")
	res, body := b.post("/manage/vault/keys", url.Values{"name": {"ERP"}, "mode": {"test"}, "scope": {"jobs:read"}})
	wantStatus(t, "create key", res, body, http.StatusCreated)
	key := field(body, "new-key")
	if key == "" {
		key = regexp.MustCompile(`sk_test_[0-9A-Za-z]{44}`).FindString(body)
	}
	if _, err := apikey.Parse(key); err != nil || !strings.HasPrefix(key, "sk_test_") {
		t.Fatalf("no test key on the page (%q): %v", key, err)
	}
	_, body = b.get("/manage/vault")
	if strings.Contains(body, key) {
		t.Fatal("the key is shown a second time")
	}

	call := func() *http.Response {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/jobs", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		read(t, res)
		return res
	}
	if res := call(); res.StatusCode != http.StatusOK {
		t.Fatalf("new key: %d", res.StatusCode)
	}
	keys, _ := e.st.ListAPIKeys(t.Context(), e.acme.ID)
	var id string
	for _, k := range keys {
		if k.Name == "ERP" {
			id = k.ID
			if k.Livemode || strings.Join(k.Scopes, ",") != "jobs:read" {
				t.Errorf("key made as %+v", k)
			}
		}
	}
	res, _ = b.post("/manage/vault/keys/"+id+"/revoke", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res := call(); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked key: %d, want 401", res.StatusCode)
	}
	res, body = b.post("/manage/vault/keys", url.Values{"name": {"none"}})
	wantStatus(t, "key without scopes", res, body, http.StatusUnprocessableEntity)
	audit, _ := e.st.ListAudit(t.Context(), store.ListAuditParams{TenantID: e.acme.ID, Limit: 10})
	if len(audit) != 2 || audit[0].Action != "key.revoke" || audit[1].Action != "key.create" || audit[1].Target != id {
		t.Errorf("audit = %+v", audit)
	}
}

func TestRotateSecret(t *testing.T) {
	t.Parallel()
	e := setup(t)
	old, _ := e.vault.ActiveSecret(t.Context(), e.acme.ID)
	b := e.signIn("admin@acme.test")
	if res, _ := b.post("/manage/vault/secret/rotate", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rotate: %d", res.StatusCode)
	}
	active, _ := e.vault.ActiveSecret(t.Context(), e.acme.ID)
	if active == old {
		t.Fatal("the secret did not change")
	}
	_, body := b.get("/manage/vault")
	body = html.UnescapeString(body) // html/template writes + as &#43;
	if !strings.Contains(body, active) || strings.Contains(body, old) || !strings.Contains(body, old[:12]+"…") {
		t.Error("Vault must show the new secret in full and the old one masked, with its expiry")
	}
	audit, _ := e.st.ListAudit(t.Context(), store.ListAuditParams{TenantID: e.acme.ID, Limit: 10})
	if len(audit) != 1 || audit[0].Action != "secret.rotate" || strings.Contains(audit[0].Detail, "whsec_") {
		t.Errorf("audit = %+v", audit)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.signIn("admin@acme.test")
	res, body := b.post("/manage/settings", url.Values{"callback_url": {"ftp://erp.example.com/x"}, "brand_color": {"blue"},
		"profile": {"nonesuch"}, "locale": {"ja"}})
	wantStatus(t, "invalid settings", res, body, http.StatusUnprocessableEntity)
	for _, want := range []string{"must use https", "#RGB or #RRGGBB", "no preflight profile", "not a language we have"} {
		if !strings.Contains(body, want) {
			t.Errorf("refused settings do not say %q", want)
		}
	}
	res, _ = b.post("/manage/settings", url.Values{"callback_url": {hook}, "brand_color": {"#1A73E8"}, "profile": {"cmyk-strict"}, "locale": {"fi"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d", res.StatusCode)
	}
	tn, _ := e.st.Tenant(t.Context(), e.acme.ID)
	if tn.Settings.CallbackURL != hook || tn.Settings.Brand == nil || tn.Settings.Brand.Color != "#1A73E8" || tn.Settings.PreflightProfile != "cmyk-strict" ||
		tn.Settings.Locale != "fi" {
		t.Errorf("saved settings = %+v", tn.Settings)
	}
	if tn.Settings.Events != nil {
		t.Errorf("a form without the event checkboxes changed the events to %v; want the default kept", tn.Settings.Events)
	}
	res, body = b.post("/manage/settings/ping", nil)
	wantStatus(t, "ping", res, body, http.StatusOK)
	for _, want := range []string{"HTTP 503", "42 ms", "maintenance &lt;b&gt;window&lt;/b&gt;", "did not accept"} {
		if !strings.Contains(body, want) {
			t.Errorf("ping result lacks %q", want)
		}
	}
	if len(e.pings) != 1 || e.pings[0].URL != hook || e.pings[0].TenantID != e.acme.ID || !e.pings[0].Livemode {
		t.Errorf("pings = %+v", e.pings)
	}
	audit, _ := e.st.ListAudit(t.Context(), store.ListAuditParams{TenantID: e.acme.ID, Limit: 10})
	if len(audit) != 2 || audit[0].Action != "callback.ping" || audit[1].Action != "settings.update" {
		t.Errorf("audit = %+v", audit)
	}
}

func TestModeSwitch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	live := e.newJob(e.acme.ID, "LIVE-1", "")
	test := e.flow.NewJob(workflow.NewJobParams{TenantID: e.acme.ID, Livemode: false, ExternalID: "TEST-1"})
	if err := e.flow.CreateJob(t.Context(), test, nil); err != nil {
		t.Fatal(err)
	}
	b := e.signIn("op@acme.test")
	_, body := b.get("/manage/jobs")
	if !strings.Contains(body, live.ExternalID) || strings.Contains(body, "TEST-1") {
		t.Error("live mode must list live jobs only")
	}
	res, _ := b.post("/manage/mode", url.Values{"mode": {"test"}, "back": {"/manage/jobs?mode=live"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/manage/jobs" {
		t.Fatalf("switch: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = b.get("/manage/jobs")
	if strings.Contains(body, live.ExternalID) || !strings.Contains(body, "TEST-1") || !strings.Contains(body, "Test data") {
		t.Error("test mode must list test jobs only")
	}
	if res, _ := b.post("/manage/mode", url.Values{"mode": {"live"}, "back": {"https://evil.example/"}}); res.Header.Get("Location") != "/manage/" {
		t.Errorf("mode switch redirects off-site to %q", res.Header.Get("Location"))
	}
}

// TestDashboardFetchFailures: the dashboard counts jobs whose artwork
// could not be fetched, and says "more than 100" rather than a wrong 100.
func TestDashboardFetchFailures(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.signIn("admin@acme.test")
	fail := func(n int) {
		for i := range n {
			j := e.newJob(e.acme.ID, fmt.Sprintf("FETCH-%d", i), "")
			if err := e.st.SetArtworkFetch(t.Context(), j.ID, store.FetchFailed); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, body := b.get("/manage/")
	wantStatus(t, "dashboard", res, body, http.StatusOK)
	if strings.Contains(body, "artwork fetch failure") {
		t.Error("the dashboard reports fetch failures when there are none")
	}
	fail(3)
	if _, body = b.get("/manage/"); !strings.Contains(body, ", 3 artwork fetch failures") {
		t.Error("the dashboard does not count 3 fetch failures")
	}
	fail(dashboardCap - 2)
	if _, body = b.get("/manage/"); !strings.Contains(body, ", more than 100 artwork fetch failures") {
		t.Errorf("the dashboard does not say there are more than %d fetch failures", dashboardCap)
	}
}

// proofGivenUp moves a new job to preflight_passed and has the pipeline
// give up its proof, as after repeated rendering failures.
func (e *env) proofGivenUp(tenantID, externalID string) store.Job {
	e.t.Helper()
	ctx := e.t.Context()
	j := e.newJob(tenantID, externalID, "")
	pdf := "%PDF-1.7\n%%EOF\n"
	v, err := e.flow.Upload(ctx, workflow.UploadParams{TenantID: tenantID, JobID: j.ID, Filename: "a.pdf",
		Body: strings.NewReader(pdf), Size: int64(len(pdf))})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, to := range []job.Status{job.Preflighting, job.PreflightPassed} {
		if _, err := e.flow.Transition(ctx, workflow.Change{TenantID: tenantID, JobID: j.ID, To: to, ArtworkVersionID: v.ID}); err != nil {
			e.t.Fatal(err)
		}
	}
	// As the pipeline records it when the storage refuses the proof.
	if _, err := e.flow.Transition(ctx, workflow.Change{TenantID: tenantID, JobID: j.ID, Outcome: job.EventProofFailed,
		GaveUp: true, ArtworkVersionID: v.ID, Errors: []job.Finding{{Code: workflow.CodeProofServiceFailed, Check: "proof",
			Severity: "error", Message: "The proof could not be made because our file storage refused to save the proof."}}}); err != nil {
		e.t.Fatal(err)
	}
	j, err = e.st.Job(ctx, tenantID, j.ID)
	if err != nil || j.WorkGaveUpAt.IsZero() {
		e.t.Fatalf("job %s not given up: %+v, %v", externalID, j, err)
	}
	return j
}

// TestProofFailures: a proof the pipeline gave up on is counted on the
// dashboard, listed among the exceptions and offered on the job's page;
// making it again clears it once, is audited and is refused the second
// time.
func TestProofFailures(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.signIn("op@acme.test")
	if _, body := b.get("/manage/"); strings.Contains(body, "could not be made") {
		t.Error("the dashboard reports failed proofs when there are none")
	}
	j := e.proofGivenUp(e.acme.ID, "PROOF-1")
	if _, body := b.get("/manage/"); !strings.Contains(body, ", 1 proof that could not be made") {
		t.Error("the dashboard does not count the failed proof")
	}
	action := "/manage/jobs/" + j.ID + "/retry-proof"
	_, body := b.get("/manage/exceptions")
	section := body[strings.Index(body, `id="proof-failures"`):]
	if !strings.Contains(section, "PROOF-1") || !strings.Contains(section, action) ||
		!strings.Contains(section, "Submit's fault") || !strings.Contains(section, "storage refused") {
		t.Errorf("the exceptions page does not list the failed proof as Submit's fault:\n%s", clipBody(section))
	}
	if _, body = b.get("/manage/jobs/" + j.ID); !strings.Contains(body, `id="retry-proof"`) || !strings.Contains(body, `id="proof-failed"`) {
		t.Error("the job's page does not offer to make the proof again")
	}

	woken := e.woken.Load()
	res, body := b.post(action, url.Values{"back": {"/manage/exceptions"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/manage/exceptions") {
		t.Fatalf("retry: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), clipBody(body))
	}
	if e.woken.Load() == woken {
		t.Error("the pipeline was not woken to make the proof")
	}
	if got, _ := e.st.Job(t.Context(), e.acme.ID, j.ID); !got.WorkGaveUpAt.IsZero() || got.Status != job.PreflightPassed {
		t.Errorf("after the retry the job is %s, given up at %v", got.Status, got.WorkGaveUpAt)
	}
	audit, _ := e.st.ListAudit(t.Context(), store.ListAuditParams{TenantID: e.acme.ID, Limit: 10})
	if len(audit) == 0 || audit[0].Action != "job.retry_proof" || audit[0].Target != j.ID {
		t.Errorf("audit = %+v", audit)
	}
	if _, body = b.get("/manage/exceptions"); strings.Contains(body, action) {
		t.Error("the exceptions page still lists the proof being made again")
	}
	if _, body = b.get("/manage/jobs/" + j.ID); strings.Contains(body, `id="retry-proof"`) {
		t.Error("the job's page still offers to make the proof again")
	}
	res, body = b.post(action, nil)
	wantStatus(t, "a second retry", res, body, http.StatusConflict)
}

// TestRefetch: a job whose artwork URL could not be fetched is fetched
// again on an operator's request: the fetch is pending, the pipeline is
// woken to do it at once, the request is audited, and a second request
// finds nothing to fetch.
func TestRefetch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.signIn("op@acme.test")
	j := e.newJob(e.acme.ID, "FETCH-1", "")
	if err := e.st.SetArtworkFetch(t.Context(), j.ID, store.FetchFailed); err != nil {
		t.Fatal(err)
	}
	action := "/manage/jobs/" + j.ID + "/refetch"
	if _, body := b.get("/manage/jobs/" + j.ID); !strings.Contains(body, `action="`+action+`"`) {
		t.Fatal("the job's page does not offer to fetch the artwork again")
	}
	woken := e.woken.Load()
	res, body := b.post(action, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/manage/jobs/"+j.ID+"?done=refetch" {
		t.Fatalf("refetch: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), clipBody(body))
	}
	if got, _ := e.st.Job(t.Context(), e.acme.ID, j.ID); got.ArtworkFetch != store.FetchPending {
		t.Errorf("after the refetch the fetch is %q, want pending", got.ArtworkFetch)
	}
	if e.woken.Load() == woken {
		t.Error("the pipeline was not woken to fetch the artwork")
	}
	audit, _ := e.st.ListAudit(t.Context(), store.ListAuditParams{TenantID: e.acme.ID, Limit: 10})
	if len(audit) == 0 || audit[0].Action != "job.refetch" || audit[0].Target != j.ID {
		t.Errorf("audit = %+v", audit)
	}
	res, body = b.post(action, nil)
	wantStatus(t, "a second refetch", res, body, http.StatusConflict)
}

// TestAuditPaging: the audit log pages back through older entries, and a
// cursor from another tenant shows nothing of theirs.
func TestAuditPaging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	for i := range auditPerPage + 1 {
		at := start.Add(time.Duration(i) * time.Second)
		if err := e.st.AppendAudit(ctx, store.AuditEntry{ID: id.NewAt(operator.AuditIDPrefix, at), TenantID: e.acme.ID, Actor: "cli",
			Action: "key.create", Target: fmt.Sprintf("key_%03d", i), At: at}); err != nil {
			t.Fatal(err)
		}
	}
	theirs := store.AuditEntry{ID: id.New(operator.AuditIDPrefix), TenantID: e.globex.ID, Actor: "cli", Action: "key.create",
		Target: "key_globex", At: start}
	if err := e.st.AppendAudit(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	b := e.signIn("admin@acme.test")
	_, body := b.get("/manage/audit")
	if !strings.Contains(body, "key_200") || strings.Contains(body, "key_000") {
		t.Fatal("the first page is not the newest entries")
	}
	next := regexp.MustCompile(`href="(/manage/audit\?before=[^"]+)" id="older"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no link to older entries")
	}
	_, body = b.get(html.UnescapeString(next[1]))
	if !strings.Contains(body, "key_000") || strings.Contains(body, "key_001") || strings.Contains(body, `id="older"`) {
		t.Errorf("the second page is not the oldest entry alone")
	}
	if _, body = b.get("/manage/audit?before=" + theirs.ID); strings.Contains(body, "key_") {
		t.Error("another tenant's cursor listed entries")
	}
}
