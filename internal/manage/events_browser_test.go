package manage

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/workflow"
)

// TestBrowserCancelReachesERP: an operator cancels a job in Manage, in
// Chromium; the ERP's real receiver gets a cancelled callback that says an
// operator decided, and the timeline names the operator. Then the
// operator unticks an event type in Settings, and that event is recorded
// but not sent.
func TestBrowserCancelReachesERP(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var (
		mu     sync.Mutex
		bodies []callback.Payload
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p callback.Payload
		if json.Unmarshal(b, &p) == nil {
			mu.Lock()
			bodies = append(bodies, p)
			mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	worker, err := callback.New(callback.Config{Store: e.st, Client: netguard.NewClient(netguard.Options{AllowInsecure: true}),
		Schedule: callback.Schedule{0}})
	if err != nil {
		t.Fatal(err)
	}
	if err := worker.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(worker.Stop)
	e.flow.Notify = worker.Notify
	received := func(jobID string) []callback.Payload {
		mu.Lock()
		defer mu.Unlock()
		var out []callback.Payload
		for _, p := range bodies {
			if p.SessionID == jobID {
				out = append(out, p)
			}
		}
		return out
	}

	j := e.newJob(e.acme.ID, "BROWSER-CANCEL", receiver.URL)
	ctx := newBrowser(t)
	base := e.srv.URL
	signInBrowser(t, ctx, base, "admin@acme.test") // settings are for admins
	do(t, ctx, "cancel the job",
		chromedp.Navigate(base+"/manage/jobs/"+j.ID),
		browsertest.Shown("#cancel-job"),
		chromedp.Click(chromedp.ID("cancel-job")),
		browsertest.Shown("#event-1"),
	)
	deadline := time.Now().Add(10 * time.Second)
	for len(received(j.ID)) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := received(j.ID)
	if len(got) != 1 || got[0].EventType != "cancelled" || got[0].DecidedBy != job.ActorOperator {
		t.Fatalf("the receiver got %+v, want one cancelled callback decided_by operator", got)
	}
	by := get(t, ctx, "read the timeline", chromedp.Text(chromedp.ID("event-1")))
	if !strings.Contains(by, "by operator admin@acme.test") {
		t.Errorf("the timeline's cancel does not name the operator: %q", by)
	}

	// Untick uploaded in Settings: an upload is then recorded, not sent.
	do(t, ctx, "untick uploaded",
		chromedp.Navigate(base+"/manage/settings"),
		browsertest.Shown(`input[name=events][value=uploaded]`),
		chromedp.Click(chromedp.CSS(`input[name=events][value=uploaded]`)),
		chromedp.Click(chromedp.CSS(`form[action="/manage/settings"] button.primary`)),
		browsertest.Shown(`p.flash[role=status]`), // "Settings saved."
	)
	tn, err := e.st.Tenant(t.Context(), e.acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(slices.Clone(job.DefaultEvents), func(t job.EventType) bool { return t == job.EventUploaded })
	if !slices.Equal(tn.Settings.Events, want) {
		t.Fatalf("tenant events after unticking uploaded = %v, want %v", tn.Settings.Events, want)
	}
	quiet := e.newJob(e.acme.ID, "BROWSER-QUIET", receiver.URL)
	if _, err := e.flow.Transition(t.Context(), workflow.Change{TenantID: quiet.TenantID, JobID: quiet.ID, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	if ds, _ := e.st.ListDeliveries(t.Context(), e.acme.ID, quiet.ID); len(ds) != 0 {
		t.Errorf("an unsubscribed uploaded event got deliveries: %+v", ds)
	}
	do(t, ctx, "open the quiet job",
		chromedp.Navigate(base+"/manage/jobs/"+quiet.ID),
		browsertest.Shown("#event-1"),
	)
	page := get(t, ctx, "read its timeline", chromedp.Text(chromedp.ID("event-1")))
	if !strings.Contains(page, "Not sent: the events chosen") {
		t.Errorf("the timeline does not say why uploaded was not sent: %q", page)
	}
}

// TestJobPageShowsEvents: the job's page says which events its callbacks
// are sent for: its own choice, none, or the account's.
func TestJobPageShowsEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.signIn("op@acme.test")
	for _, c := range []struct {
		events []job.EventType
		want   string
	}{
		{nil, "the account's choice"},
		{[]job.EventType{}, "none: the job chose no events"},
		{[]job.EventType{job.EventApproved, job.EventCancelled}, "approved, cancelled"},
	} {
		j := e.flow.NewJob(workflow.NewJobParams{TenantID: e.acme.ID, Livemode: true, ExternalID: "EVENTS", Events: c.events})
		if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
			t.Fatal(err)
		}
		_, body := b.get("/manage/jobs/" + j.ID)
		at := strings.Index(body, `id="job-events"`)
		if at < 0 || !strings.Contains(body[at:min(at+200, len(body))], c.want) {
			t.Errorf("events %v: the page does not say %q", c.events, c.want)
		}
	}
}
