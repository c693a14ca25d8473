package pipeline

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// deletingBlobs deletes the job (as DELETE /api/jobs/{id} does) when the
// first proof page is written, and then writes the page: a file the job's
// deletion could not see.
type deletingBlobs struct {
	blob.Store
	del  func()
	once sync.Once
}

func (b *deletingBlobs) Put(ctx context.Context, key string, r io.Reader) (blob.Info, error) {
	if strings.Contains(key, "/proof/page-") {
		b.once.Do(b.del)
	}
	return b.Store.Put(ctx, key, r)
}

// errorLog records the messages logged at error level.
type errorLog struct {
	slog.Handler
	mu   sync.Mutex
	msgs []string
}

func (h *errorLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		h.msgs = append(h.msgs, r.Message)
		h.mu.Unlock()
	}
	return nil
}

// TestJobDeletedDuringProof: a test job deleted while its proof renders
// leaves no files (the pipeline removes what it wrote after the delete),
// and the pipeline treats it as gone, not as a failure.
func TestJobDeletedDuringProof(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.SQLite(t))
	j := e.flow.NewJob(workflow.NewJobParams{TenantID: e.tenant.ID, ExternalID: "TEST-1"})
	if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	e.flow.Blobs = &deletingBlobs{Store: e.flow.Blobs, del: func() {
		_, err := e.flow.DeleteTestJob(context.Background(), j.TenantID, j.ID)
		deleted <- err
	}}
	logs := &errorLog{Handler: slog.DiscardHandler}
	e.pipeline(t, func(c *Config) { c.Logger = slog.New(logs) })
	e.upload(t, j, "a.pdf", samplePDF(t, 2))

	select {
	case err := <-deleted:
		if err != nil {
			t.Fatalf("DeleteTestJob: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the proof was not rendered within 60 s")
	}
	folder := filepath.Join(e.dir, "files", filepath.FromSlash(workflow.JobPrefix(j.ID)))
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := os.Stat(folder)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			var left []string
			_ = walk(folder, &left)
			t.Fatalf("the deleted job's files are left 30 s after its step: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := e.st.Job(t.Context(), j.TenantID, j.ID); err == nil {
		t.Error("the job is back")
	}
	if evs, _ := e.st.ListEvents(t.Context(), j.TenantID, j.ID); len(evs) != 0 {
		t.Errorf("events of the deleted job: %d", len(evs))
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	if len(logs.msgs) > 0 {
		t.Errorf("errors logged for a deleted job: %q", logs.msgs)
	}
}
