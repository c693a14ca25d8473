package web

import (
	"log/slog"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/pgtest"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/store/storetest"
)

// TestHubHearsChangesMadeElsewhere: a stream open on one process's hub
// gets a job's new status when another process moves the job, without
// waiting for the hub's tick (set to an hour here): on PostgreSQL the
// change is announced (NOTIFY) to every process; on SQLite, whose one
// process makes every change, in the process.
func TestHubHearsChangesMadeElsewhere(t *testing.T) {
	t.Parallel()
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.URL(t)
		open := func() *postgres.DB {
			db, err := postgres.Open(t.Context(), url, postgres.Pool{IdleConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		writer, reader := open(), open()
		if _, err := writer.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		hearsElsewhere(t, writer, reader)
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		st := storetest.SQLite(t)
		hearsElsewhere(t, st, st)
	})
}

// hearsElsewhere moves a job through writer while a stream watches it on a
// hub over reader.
func hearsElsewhere(t *testing.T, writer store.Store, reader jobLister) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "printer", CreatedAt: now}
	if err := writer.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	j := store.Job{ID: id.New(id.Job), TenantID: tn.ID, Livemode: true, ExternalID: "ORDER-1",
		Status: job.AwaitingUpload, UploadToken: id.Token(16), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := writer.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	h := newHub(reader, slog.New(slog.DiscardHandler), done)
	if h.every != pushedPoll {
		t.Fatalf("the hub ticks every %s on a store that announces changes", h.every)
	}
	h.every = time.Hour // only an announcement can bring the change in time
	s, err := h.open(j, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	defer h.close(s)
	// A PostgreSQL listener may still be connecting when the first move
	// is announced: move again until the stream hears one.
	deadline := time.After(30 * time.Second)
	for seq := int64(1); ; seq++ {
		if _, err := writer.TransitionJob(ctx, store.TransitionParams{TenantID: tn.ID, JobID: j.ID, From: job.Statuses,
			Event: job.Event{ID: id.New(id.Event), Type: job.EventUploaded, Status: job.Uploaded, OccurredAt: time.Now().UTC()}}); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-s.c:
			if got.Status != job.Uploaded || got.Sequence != seq {
				t.Fatalf("the stream got %s (sequence %d), want uploaded (%d)", got.Status, got.Sequence, seq)
			}
			return
		case <-time.After(time.Second):
		case <-deadline:
			t.Fatal("the stream heard of no change in 30 s, with the hub's tick an hour away")
		}
	}
}
