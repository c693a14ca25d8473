package web

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/blob/blobtest"
)

// TestS3UploadsSweep keeps a resumable upload in tusd's S3 store on a real
// S3-protocol server (gofakes3 on loopback), as several processes share
// it: the job's uploads are listed from the bucket, the sweeper keeps one
// written within MaxAge and deletes it, parts and info, once it is older.
func TestS3UploadsSweep(t *testing.T) {
	// Not parallel: the S3 credentials are process environment.
	bucket, err := blob.NewS3(t.Context(), blobtest.S3(t, "files"), blob.S3Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b := newS3Backend(bucket, t.TempDir())
	ctx := t.Context()
	const jobID = "ses_06h3fkexjh54vc4g75rce0wmv0"
	up, err := b.NewUpload(ctx, tusd.FileInfo{ID: newUploadID(jobID), Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := up.WriteChunk(ctx, 0, bytes.NewReader(make([]byte, 40))); err != nil || n != 40 {
		t.Fatalf("write a chunk: %d, %v", n, err)
	}
	info, _ := up.GetInfo(ctx)
	if !b.validID(jobID, info.ID) || b.validID("ses_other", info.ID) || b.validID(jobID, info.ID+"/x") ||
		b.validID(jobID, info.ID+strings.Repeat("a", maxMultipartID)) {
		t.Errorf("validID of %q: the minted id must pass, another job's, a slash or an overlong multipart id must not", info.ID)
	}
	if ids, err := b.list(ctx, jobID+"-"); err != nil || len(ids) != 1 || ids[0].ID != info.ID || ids[0].Size != 100 {
		t.Fatalf("list the job's uploads: %v, %v; want [%s]", ids, err, info.ID)
	}

	sweeper := &UploadSweeper{Bucket: bucket, MaxAge: time.Hour}
	if n, err := sweeper.Sweep(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("sweep of an upload written now: %d deleted, %v", n, err)
	}
	again, _ := b.GetUpload(ctx, info.ID)
	if got, err := again.GetInfo(ctx); err != nil || got.Offset != 40 {
		t.Fatalf("the upload after a sweep that keeps it: offset %d, %v", got.Offset, err)
	}
	if n, err := sweeper.Sweep(ctx, time.Now().Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("sweep of an upload untouched for more than MaxAge: %d deleted, %v", n, err)
	}
	gone, _ := b.GetUpload(ctx, info.ID)
	if _, err := gone.GetInfo(ctx); !errors.Is(err, tusd.ErrNotFound) {
		t.Errorf("the swept upload: %v, want not found", err)
	}
	if ids, err := b.list(ctx, ""); err != nil || len(ids) != 0 {
		t.Errorf("uploads left after the sweep: %v, %v", ids, err)
	}
}
