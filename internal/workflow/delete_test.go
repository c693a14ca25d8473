package workflow_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// withFiles gives f's workflow a blob store on disk and returns its root.
func (f *fixture) withFiles(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "files")
	b, err := blob.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	f.flow.Blobs = b
	return root
}

// uploaded makes a job in the given mode with an uploaded file and a
// proof page beside it, as the pipeline would leave one.
func (f *fixture) uploaded(t *testing.T, live bool) job.Job {
	t.Helper()
	j := f.flow.NewJob(workflow.NewJobParams{TenantID: f.tenantID, Livemode: live, ExternalID: "ORDER"})
	if err := f.flow.CreateJob(t.Context(), j, nil); err != nil {
		t.Fatal(err)
	}
	v, err := f.flow.Upload(t.Context(), workflow.UploadParams{TenantID: f.tenantID, JobID: j.ID,
		Filename: "a.pdf", Body: strings.NewReader("%PDF-1.4\n%%EOF\n"), Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.flow.Blobs.Put(t.Context(), workflow.ProofPageKey(j.ID, v.ID, 1), strings.NewReader("jpeg")); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestDeleteTestJob(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		root := f.withFiles(t)
		test, live := f.uploaded(t, false), f.uploaded(t, true)
		dir := func(j job.Job) string { return filepath.Join(root, filepath.FromSlash(workflow.JobPrefix(j.ID))) }

		if _, err := f.flow.DeleteTestJob(ctx, f.tenantID, live.ID); !errors.Is(err, workflow.ErrLiveJob) {
			t.Fatalf("DeleteTestJob of a live job: %v, want ErrLiveJob", err)
		}
		if _, err := f.store.Job(ctx, f.tenantID, live.ID); err != nil {
			t.Errorf("the live job after a refused delete: %v", err)
		}
		if _, err := os.Stat(dir(live)); err != nil {
			t.Errorf("the live job's files after a refused delete: %v", err)
		}
		if _, err := f.flow.DeleteTestJob(ctx, "ten_other", test.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("DeleteTestJob by another tenant: %v, want ErrNotFound", err)
		}

		d, err := f.flow.DeleteTestJob(ctx, f.tenantID, test.ID)
		if err != nil || d.FilesErr != nil {
			t.Fatalf("DeleteTestJob = %v, files %v", err, d.FilesErr)
		}
		if d.Job.ID != test.ID {
			t.Errorf("Deletion.Job = %s, want %s", d.Job.ID, test.ID)
		}
		if _, err := f.store.Job(ctx, f.tenantID, test.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Job after delete: %v, want ErrNotFound", err)
		}
		if _, err := os.Stat(dir(test)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the deleted job's files are left: %v", err)
		}
		if _, err := os.Stat(dir(live)); err != nil {
			t.Errorf("the live job's files after another job's delete: %v", err)
		}
		if _, err := f.flow.DeleteTestJob(ctx, f.tenantID, test.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteTestJob again: %v, want ErrNotFound", err)
		}
	})
}

// refusingDeletes is a blob store that cannot delete folders.
type refusingDeletes struct{ blob.Store }

func (refusingDeletes) DeletePrefix(context.Context, string) error {
	return errors.New("storage refuses deletes")
}

// TestDeleteTestJobFilesLeft: files that cannot be removed leave the job
// deleted, and say so, rather than failing the delete.
func TestDeleteTestJobFilesLeft(t *testing.T) {
	f := setup(t)
	f.withFiles(t)
	j := f.uploaded(t, false)
	f.flow.Blobs = refusingDeletes{f.flow.Blobs}
	d, err := f.flow.DeleteTestJob(t.Context(), f.tenantID, j.ID)
	if err != nil {
		t.Fatalf("DeleteTestJob: %v", err)
	}
	if d.FilesErr == nil || !strings.Contains(d.FilesErr.Error(), "storage refuses deletes") {
		t.Errorf("FilesErr = %v, want the storage's refusal", d.FilesErr)
	}
	if _, err := f.store.Job(t.Context(), f.tenantID, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Job after delete: %v, want ErrNotFound", err)
	}
}
