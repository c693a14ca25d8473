package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/periodic"
)

// tusDir is where unfinished resumable uploads live under the data dir.
func tusDir(dataDir string) string { return filepath.Join(dataDir, "tus") }

// UploadSweeper is the background service that deletes resumable uploads
// abandoned half-way: a customer who closes the tab at 40 % of a 900 MB
// file leaves 360 MB under DataDir/tus, and nothing else would ever remove
// it. An upload is abandoned when nothing of it has been written for
// MaxAge; one still being sent is written every few seconds.
//
// On local disk every process sweeps its own directory. In the S3 bucket
// (Bucket set) every process sweeps the same uploads: deleting one twice
// is harmless, and one written within MaxAge is never deleted.
type UploadSweeper struct {
	DataDir string
	// Bucket, when set, is the blob bucket whose "uploads/" hold the
	// unfinished uploads (web.Deps.UploadBucket); DataDir is then not
	// swept.
	Bucket *blob.S3
	// MaxAge is how long an untouched upload is kept, so that a customer
	// can still resume it. Default 24 hours.
	MaxAge time.Duration
	// Interval between sweeps. Default one hour.
	Interval time.Duration
	Logger   *slog.Logger
	Now      func() time.Time // default time.Now

	task periodic.Task
}

// Start runs the sweeper until Stop or until ctx ends.
func (s *UploadSweeper) Start(ctx context.Context) error {
	s.task = periodic.Task{Interval: cmp.Or(s.Interval, time.Hour), Run: s.sweep}
	return s.task.Start(ctx)
}

// Stop ends the sweeper after its current pass.
func (s *UploadSweeper) Stop() { s.task.Stop() }

func (s *UploadSweeper) sweep(ctx context.Context) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	n, err := s.Sweep(ctx, now)
	switch {
	case err != nil && ctx.Err() == nil:
		s.Logger.Error("delete abandoned uploads", slog.Any("error", err))
	case n > 0:
		s.Logger.Info("deleted abandoned uploads", slog.Int("count", n))
	}
}

// Sweep deletes the uploads untouched for MaxAge before now and returns
// how many it deleted. A directory that does not exist (no customer ever
// uploaded) is not an error.
func (s *UploadSweeper) Sweep(ctx context.Context, now time.Time) (int, error) {
	cutoff := now.Add(-cmp.Or(s.MaxAge, 24*time.Hour))
	if s.Bucket != nil {
		return newS3Backend(s.Bucket, "").sweep(ctx, cutoff)
	}
	dir := tusDir(s.DataDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int
	var errs []error
	for _, e := range entries {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		id, ok := strings.CutSuffix(e.Name(), ".info")
		if !ok || e.IsDir() {
			continue
		}
		info, bin := filepath.Join(dir, e.Name()), filepath.Join(dir, id)
		if touchedAfter(info, cutoff) || touchedAfter(bin, cutoff) {
			continue
		}
		// The data first: an info file without data is an upload tusd
		// reports as broken, never one it resumes into a wrong file.
		if err := os.Remove(bin); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(info); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// touchedAfter reports whether the file was modified after t. A file that
// is gone was not.
func touchedAfter(path string, t time.Time) bool {
	st, err := os.Stat(path)
	return err == nil && st.ModTime().After(t)
}

// sweep deletes the uploads in the bucket that nothing was written to
// after cutoff: their info, their tail and their multipart upload with its
// parts. (A multipart upload whose info was never written, by a process
// killed between the two, is not listed here: the bucket's lifecycle rule
// that aborts incomplete multipart uploads after some days removes it;
// see docs/operations.md.)
func (b *s3Backend) sweep(ctx context.Context, cutoff time.Time) (int, error) {
	infos, err := b.infoObjects(ctx, "")
	if err != nil {
		return 0, err
	}
	var n int
	var errs []error
	for _, o := range infos {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if o.modified.After(cutoff) {
			continue
		}
		last, err := b.lastWritten(ctx, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if last.After(cutoff) {
			continue
		}
		up, err := b.GetUpload(ctx, o.id)
		if err == nil {
			err = b.AsTerminatableUpload(up).Terminate(ctx)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("delete upload %s: %w", o.id, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
