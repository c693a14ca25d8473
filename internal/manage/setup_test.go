package manage

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/api"
	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/filelink"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/logo"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/requestid"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqlite"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

const password = "correct horse battery"

// env is a running Manage (and API) on a real SQLite database with two
// tenants, each with an admin and an operator.
type env struct {
	t        testing.TB
	st       *sqlite.DB
	srv      *httptest.Server
	flow     *workflow.Service
	vault    *vault.Vault
	acme     store.Tenant
	globex   store.Tenant
	notified atomic.Int32
	woken    atomic.Int32 // times the pipeline was woken
	clock    *clock
	pings    []callback.PingParams
	pingMu   sync.Mutex
	links    *filelink.Links // made once the server's address is known
	logos    *logo.Service
}

// clock is a settable time, so that throttling can be tested without
// waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func setup(t testing.TB) *env {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "submit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, clock: &clock{t: time.Now()}}
	e.vault = vault.New(st)
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	e.flow = &workflow.Service{Store: st, Now: time.Now, Attempts: 3, Notify: func() { e.notified.Add(1) }, Blobs: blobs,
		Wake: func() { e.woken.Add(1) }}
	e.acme = e.tenant("acme")
	e.globex = e.tenant("globex")
	for _, u := range []struct{ tenant, email, role string }{
		{e.acme.ID, "admin@acme.test", store.RoleAdmin}, {e.acme.ID, "op@acme.test", store.RoleOperator},
		{e.globex.ID, "admin@globex.test", store.RoleAdmin},
	} {
		if _, err := operator.New(st).Create(ctx, operator.NewParams{TenantID: u.tenant, Email: u.email, Role: u.role,
			Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	e.logos, err = logo.New(logo.Config{Store: st, Blobs: blobs, Poll: 50 * time.Millisecond, Timeout: 2 * time.Second,
		Client: netguard.NewClient(netguard.Options{AllowInsecure: true, Timeout: 2 * time.Second})})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.logos.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.logos.Stop)
	mux := http.NewServeMux()
	m := New(Deps{
		Store: st, Workflow: e.flow, Vault: e.vault, PublicURL: "http://127.0.0.1", AllowInsecureURLs: true,
		Now: e.clock.now, Ping: e.ping, Logos: e.logos,
		Profiles: []string{"default", "cmyk-strict"}, FileURL: func(key string) string { return e.links.URL(key) },
	})
	m.Register(mux)
	api.New(api.Deps{Store: st, Workflow: e.flow, PublicURL: "http://127.0.0.1"}).Register(mux)
	e.srv = httptest.NewServer(requestid.Handler(mux))
	t.Cleanup(e.srv.Close)
	if e.links, err = filelink.New(make([]byte, 32), e.srv.URL, 0); err != nil {
		t.Fatal(err)
	}
	mux.Handle(filelink.Route, e.links.Handler(blobs, nil))
	return e
}

func (e *env) tenant(name string) store.Tenant {
	e.t.Helper()
	tn, _, err := e.vault.EnsureTenant(e.t.Context(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return tn
}

// ping stands in for the callback worker's Ping: the receiver answers 503.
func (e *env) ping(_ context.Context, p callback.PingParams) (store.Delivery, callback.Result, error) {
	e.pingMu.Lock()
	e.pings = append(e.pings, p)
	e.pingMu.Unlock()
	now := time.Now()
	return store.Delivery{ID: id.New(id.Delivery), LastAttemptAt: &now},
		callback.Result{StartedAt: now, Duration: 42 * time.Millisecond, StatusCode: 503,
			Response: `{"error":"maintenance <b>window</b>"}`, Error: "the receiver answered 503"}, nil
}

// newJob creates a live job of the tenant, with callbacks to url when set.
func (e *env) newJob(tenantID, externalID, url string) store.Job {
	e.t.Helper()
	j := e.flow.NewJob(workflow.NewJobParams{TenantID: tenantID, Livemode: true, ExternalID: externalID, CallbackURL: url})
	if err := e.flow.CreateJob(e.t.Context(), j, nil); err != nil {
		e.t.Fatal(err)
	}
	return j
}

// failedDelivery makes a job whose "uploaded" callback to url failed on
// every attempt: a workflow exception.
func (e *env) failedDelivery(tenantID, externalID, url string) (store.Job, store.Delivery) {
	e.t.Helper()
	ctx := e.t.Context()
	j := e.newJob(tenantID, externalID, url)
	if _, err := e.flow.Transition(ctx, workflow.Change{TenantID: tenantID, JobID: j.ID, To: job.Uploaded}); err != nil {
		e.t.Fatal(err)
	}
	ds, err := e.st.ListDeliveries(ctx, tenantID, j.ID)
	if err != nil || len(ds) != 1 {
		e.t.Fatalf("deliveries of %s: %v, %v", j.ID, ds, err)
	}
	cs, err := e.st.ClaimDeliveries(ctx, store.ClaimParams{Now: time.Now().Add(time.Second), Lease: time.Minute, Limit: 100, Worker: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range cs {
		if c.Delivery.ID != ds[0].ID {
			continue
		}
		d, err := e.st.RecordAttempt(ctx, store.AttemptParams{DeliveryID: c.Delivery.ID, Worker: "test",
			Outcome: store.DeliveryFailed, Attempt: store.Attempt{ID: id.New(id.Attempt), DeliveryID: c.Delivery.ID,
				StartedAt: time.Now(), Duration: 1500 * time.Millisecond, StatusCode: 500,
				Response: "upstream <script>alert(1)</script> exploded", Error: "the receiver answered 500"}})
		if err != nil {
			e.t.Fatal(err)
		}
		return j, d
	}
	e.t.Fatalf("delivery %s was not claimed", ds[0].ID)
	return j, store.Delivery{}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see them.
type browser struct {
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn signs in and fails the test unless it worked.
func (e *env) signIn(email string) *browser {
	e.t.Helper()
	b := e.browser()
	res, body := b.signIn(email, password)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/manage/" {
		e.t.Fatalf("sign in as %s: %d %s\n%s", email, res.StatusCode, res.Header.Get("Location"), body)
	}
	_, body = b.get("/manage/")
	b.csrf = field(body, "csrf")
	return b
}

// signIn sends the sign-in form as a browser would.
func (b *browser) signIn(email, pw string) (*http.Response, string) {
	b.e.t.Helper()
	_, page := b.get("/manage/signin")
	return b.post("/manage/signin", url.Values{"csrf": {field(page, "csrf")}, "email": {email}, "password": {pw}})
}

func (b *browser) get(path string) (*http.Response, string) {
	b.e.t.Helper()
	res, err := b.c.Get(b.e.srv.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return res, read(b.e.t, res)
}

// post sends a form; it adds the session's CSRF token unless v has one.
func (b *browser) post(path string, v url.Values) (*http.Response, string) {
	b.e.t.Helper()
	if v == nil {
		v = url.Values{}
	}
	if _, ok := v["csrf"]; !ok {
		v.Set("csrf", b.csrf)
	}
	res, err := b.c.PostForm(b.e.srv.URL+path, v)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return res, read(b.e.t, res)
}

func read(t testing.TB, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// field returns the value of the first input named name in a page.
func field(page, name string) string {
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// wantStatus fails the test unless res has the status.
func wantStatus(t *testing.T, what string, res *http.Response, body string, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.StatusCode, status, clipBody(body))
	}
}

func clipBody(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 2000 {
		s = s[:2000]
	}
	return s
}
