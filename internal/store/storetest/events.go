package storetest

import (
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// testSubscriptionRoundTrip: a job's events list keeps the difference
// between none chosen (nil: its tenant's) and an empty choice (nothing
// sent), which a JSON column could easily lose.
func testSubscriptionRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "subscriber")
	for _, events := range [][]job.EventType{nil, {}, {job.EventApproved, job.EventUpdated}} {
		j := jobAt(tn.ID, true, at(time.Duration(len(events))*time.Second))
		j.Events = events
		if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Job(ctx, tn.ID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Job.Events", got.Events, events)
	}
	tn.Settings.Events = []job.EventType{}
	if err := s.UpdateTenantSettings(ctx, tn.ID, tn.Settings); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tenant(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "TenantSettings.Events", got.Settings.Events, []job.EventType{})
}

// testOutcome: an outcome event keeps the job's status and the pipeline's
// count of attempts, records who caused it and what changed, can record
// that the pipeline gave up, adds its errors to the version's instead of
// replacing them, and is refused for a status not among From.
func testOutcome(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "outcomes")
	j := newJob(t, s, tn.ID, at(0))
	v := store.ArtworkVersion{ID: id.NewAt(id.ArtworkVersion, at(time.Second)), Filename: "a.pdf", BlobKey: "k", SHA256: "x",
		Errors: []job.Finding{{Code: "RGB_COLOR", Check: "color", Severity: "info", Message: "RGB."}}, CreatedAt: at(time.Second)}
	if _, err := s.TransitionJob(ctx, store.TransitionParams{TenantID: tn.ID, JobID: j.ID, From: []job.Status{job.AwaitingUpload},
		NewVersion: &v, CurrentVersionID: v.ID,
		Event: job.Event{ID: id.NewAt(id.Event, at(time.Second)), Type: job.EventUploaded, Status: job.Uploaded,
			ArtworkVersionID: v.ID, OccurredAt: at(time.Second)}}); err != nil {
		t.Fatal(err)
	}
	failed := job.Finding{Code: "PROOF_SERVICE_FAILED", Check: "proof", Severity: "error", Message: "No proof."}
	by := job.Actor{Kind: job.ActorOperator, ID: "usr_1"}
	ev, err := s.TransitionJob(ctx, store.TransitionParams{TenantID: tn.ID, JobID: j.ID, From: []job.Status{job.Uploaded},
		Outcome: true, GaveUp: at(2 * time.Second), CallbackURL: "https://erp.example/cb", DeliveryID: id.New(id.Delivery), Attempts: 7,
		Event: job.Event{ID: id.NewAt(id.Event, at(2*time.Second)), Type: job.EventProofFailed, Status: job.Uploaded,
			ArtworkVersionID: v.ID, Errors: []job.Finding{failed}, Actor: by, Changes: []string{"callbackURL"},
			OccurredAt: at(2 * time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != job.Uploaded || got.Sequence != 2 || !got.WorkGaveUpAt.Equal(at(2*time.Second)) {
		t.Errorf("after the outcome the job is %s, sequence %d, given up at %v; want uploaded, 2, %v",
			got.Status, got.Sequence, got.WorkGaveUpAt, at(2*time.Second))
	}
	evs, err := s.ListEvents(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	ev.TenantID, ev.JobID = tn.ID, j.ID
	equal(t, "the outcome event read back", evs[1], ev)
	if evs[1].Actor != by || len(evs[1].Changes) != 1 {
		t.Errorf("actor %+v, changes %v not kept", evs[1].Actor, evs[1].Changes)
	}
	gotV, err := s.ArtworkVersion(ctx, tn.ID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotV.Errors) != 2 || gotV.Errors[0].Code != "RGB_COLOR" || gotV.Errors[1].Code != failed.Code {
		t.Errorf("version errors %+v, want the earlier finding and the outcome's", gotV.Errors)
	}
	ds, err := s.ListDeliveries(ctx, tn.ID, j.ID)
	if err != nil || len(ds) != 1 || ds[0].EventID != ev.ID {
		t.Errorf("deliveries %+v (%v), want the outcome's", ds, err)
	}
	_, err = s.TransitionJob(ctx, store.TransitionParams{TenantID: tn.ID, JobID: j.ID, From: []job.Status{job.Uploaded},
		Outcome: true, Event: job.Event{ID: id.New(id.Event), Type: job.EventUpdated, Status: job.Preflighting, OccurredAt: at(3 * time.Second)}})
	if err == nil {
		t.Error("an outcome that changes the status was recorded")
	}
}

// changeFeed is what a store that announces job changes offers.
type changeFeed interface {
	SubscribeJobChanges(fn func(jobID string)) (cancel func())
}

// testJobChanges: a store announces each job it moves, and each proof it
// has made again, to its subscribers (the customer pages' live status).
func testJobChanges(t *testing.T, s store.Store) {
	feed, ok := s.(changeFeed)
	if !ok {
		t.Fatalf("%T does not announce job changes", s)
	}
	tn := newTenant(t, s, "changes")
	j := newJob(t, s, tn.ID, at(0))
	heard := make(chan string, 64)
	cancel := feed.SubscribeJobChanges(func(jobID string) {
		select {
		case heard <- jobID:
		default:
		}
	})
	defer cancel()
	// PostgreSQL's listener may still be connecting: move until heard.
	deadline := time.After(30 * time.Second)
	for i := 1; ; i++ {
		move(t, s, j, job.Uploaded, at(time.Duration(i)*time.Second), "")
		select {
		case id := <-heard:
			if id != j.ID {
				t.Fatalf("heard of %s, want %s", id, j.ID)
			}
		case <-time.After(500 * time.Millisecond):
			continue
		case <-deadline:
			t.Fatal("no change heard after 30 s of moves")
		}
		break
	}
	for len(heard) > 0 { // announcements of the moves sent while connecting
		<-heard
	}
	// Not only moves change what the page shows: a step given up, an
	// artwork fetch asked for again.
	for what, change := range map[string]func(){
		"a step given up": func() { GiveUpWork(t, s, j.ID, at(time.Hour)) },
		"a fetch asked for again": func() {
			if err := s.SetArtworkFetch(t.Context(), j.ID, store.FetchPending); err != nil {
				t.Fatal(err)
			}
		},
	} {
		change()
		select {
		case id := <-heard:
			if id != j.ID {
				t.Fatalf("after %s heard of %s, want %s", what, id, j.ID)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s was not announced", what)
		}
	}
}
