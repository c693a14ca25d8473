package postgres

import (
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/pgtest"
)

// TestJobChangesReachOtherProcesses: a job moved through one process's
// store is announced to the subscribers of another process's store on the
// same database (NOTIFY in the transaction, LISTEN in each process), and
// to its own; a process on another schema hears nothing of it.
func TestJobChangesReachOtherProcesses(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	a, b, other := openURL(t, url), openURL(t, url), openURL(t, pgtest.URL(t))
	ctx := t.Context()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	heard := func(db *DB) <-chan string {
		c := make(chan string, 16)
		cancel := db.SubscribeJobChanges(func(jobID string) {
			select {
			case c <- jobID:
			default:
			}
		})
		t.Cleanup(cancel)
		return c
	}
	fromA, fromB, fromOther := heard(a), heard(b), heard(other)
	now := time.Now().UTC().Truncate(time.Microsecond)
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "acme", CreatedAt: now}
	if err := a.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	j := store.Job{ID: id.New(id.Job), TenantID: tn.ID, Livemode: true, ExternalID: "ORDER-1",
		Status: job.AwaitingUpload, UploadToken: id.Token(16), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := a.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	// The listeners may still be connecting: move the job until both
	// processes have heard of it (each move is announced anew).
	got := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for to := job.Uploaded; !got["a"] || !got["b"]; {
		if _, err := a.TransitionJob(ctx, store.TransitionParams{TenantID: tn.ID, JobID: j.ID, From: job.Statuses,
			Event: job.Event{ID: id.New(id.Event), Type: job.EventType(to), Status: to, OccurredAt: time.Now().UTC()}}); err != nil {
			t.Fatal(err)
		}
		wait := time.After(500 * time.Millisecond)
	collect:
		for {
			select {
			case id := <-fromA:
				got["a"] = got["a"] || id == j.ID
			case id := <-fromB:
				got["b"] = got["b"] || id == j.ID
			case <-wait:
				break collect
			case <-deadline:
				t.Fatalf("after 30 s of moves, heard by the writing process: %v, by the other: %v", got["a"], got["b"])
			}
		}
	}
	select {
	case id := <-fromOther:
		t.Errorf("a process on another schema heard of %s", id)
	default:
	}
}
