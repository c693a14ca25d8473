package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/i18n"
	tusd "github.com/tus/tusd/v2/pkg/handler"
)

// printerKey carries the request's refusal language (refusalPrinter) to
// tusd's hooks and the store, whose errors tusd sends as they are.
type printerKey struct{}

// printerOf is the printer a tus request carries, English without one.
func printerOf(ctx context.Context) *i18n.Printer {
	if p, ok := ctx.Value(printerKey{}).(*i18n.Printer); ok {
		return p
	}
	return i18n.NewPrinter(i18n.English)
}

// uploadStore is tusd's store (tusBackend) with Submit's limits on top:
// one job may have only so many unfinished uploads, of only so many bytes
// together; an upload is accepted, and each chunk written, only while the
// data directory's disk keeps its floor for what lands there; and a chunk
// the store refuses deletes its upload, so that no partial file keeps the
// disk full.
//
// The job's uploads are counted in the store, so with the S3 store the cap
// holds across processes; counting and creating are one step under the
// job's lock of the locker (across processes with PostgreSQL's).
type uploadStore struct {
	backend  tusBackend
	locker   tusd.Locker
	disk     *disk.Floor
	maxCount int   // unfinished uploads per job
	maxBytes int64 // their declared sizes together
	log      *slog.Logger
}

// UseIn makes the store tusd's core and terminater: no concatenation, no
// deferred length and no download, which the customer page does not use.
func (s *uploadStore) UseIn(c *tusd.StoreComposer) {
	c.UseCore(s)
	c.UseTerminater(s)
}

// NewUpload creates an upload once the job has room for it.
func (s *uploadStore) NewUpload(ctx context.Context, info tusd.FileInfo) (tusd.Upload, error) {
	jobID, _, _ := strings.Cut(info.ID, "-") // ids are minted by newUploadID
	lock, err := s.locker.NewLock("new-upload/" + jobID)
	if err == nil {
		lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err = lock.Lock(lctx, func() {})
		cancel()
	}
	if err != nil {
		return nil, s.writeFailed(ctx, info.ID, err)
	}
	defer lock.Unlock()
	if err := s.admit(ctx, jobID, info); err != nil {
		return nil, err
	}
	up, err := s.backend.NewUpload(ctx, info)
	if err != nil {
		return nil, s.writeFailed(ctx, info.ID, err)
	}
	return &diskUpload{Upload: up, store: s}, nil
}

// GetUpload opens an upload; the id was checked by tusUploads.serve.
func (s *uploadStore) GetUpload(ctx context.Context, id string) (tusd.Upload, error) {
	up, err := s.backend.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	return &diskUpload{Upload: up, store: s}, nil
}

// AsTerminatableUpload lets tusd delete an upload (DELETE, or a stopped one).
func (s *uploadStore) AsTerminatableUpload(up tusd.Upload) tusd.TerminatableUpload {
	return up.(*diskUpload)
}

// copies is how many copies of an upload's bytes the data directory's
// disk holds at most: in the file store, the upload and then its copy
// into storage; with S3, only the copy, which blob storage spools there
// (chunks pass through on their way to the bucket).
func (s *uploadStore) copies() int64 {
	if s.backend.onDisk() {
		return 2
	}
	return 1
}

// admit refuses a new upload that would pass the job's caps, or that the
// disk has no room for.
func (s *uploadStore) admit(ctx context.Context, jobID string, info tusd.FileInfo) error {
	count, size, err := s.unfinished(ctx, jobID)
	if err != nil {
		return s.writeFailed(ctx, info.ID, err)
	}
	switch {
	case count >= s.maxCount:
		// UploadSweeper clears unfinished uploads after a day, as the words say.
		return tusd.NewError("ERR_TOO_MANY_UPLOADS", printerOf(ctx).T("refuse.unfinished.count", "n", count), http.StatusConflict)
	case size+info.Size > s.maxBytes:
		p := printerOf(ctx)
		return tusd.NewError("ERR_TOO_MANY_UPLOADS", p.T("refuse.unfinished.size", "size", p.Bytes(s.maxBytes)), http.StatusConflict)
	}
	release, err := s.disk.Reserve(s.copies() * info.Size)
	if err != nil {
		return s.noRoom(ctx, err)
	}
	release()
	return nil
}

// unfinished counts the job's uploads in the store and adds up their
// declared sizes.
func (s *uploadStore) unfinished(ctx context.Context, jobID string) (count int, size int64, err error) {
	infos, err := s.backend.list(ctx, jobID+"-")
	if err != nil {
		return 0, 0, err
	}
	for _, info := range infos {
		size += info.Size
	}
	return len(infos), size, nil
}

// noRoom answers a refusal of the disk floor, or a failure to measure it.
func (s *uploadStore) noRoom(ctx context.Context, err error) error {
	if errors.Is(err, disk.ErrFull) {
		s.log.WarnContext(ctx, "upload refused: the disk is at its floor", slog.Any("error", err))
		return tusd.NewError("ERR_NO_ROOM", printerOf(ctx).T("refuse.noRoom"), http.StatusInsufficientStorage)
	}
	s.log.ErrorContext(ctx, "measure free disk space", slog.Any("error", err))
	return tusd.NewError("ERR_NOT_SAVED", printerOf(ctx).T("refuse.notSaved"), http.StatusServiceUnavailable)
}

// writeFailed turns a failure of the file store into words: tusd would
// send its text, which names paths on the server.
func (s *uploadStore) writeFailed(ctx context.Context, id string, err error) error {
	s.log.ErrorContext(ctx, "write resumable upload", slog.String("upload", id), slog.Any("error", err))
	if disk.IsFull(err) {
		return tusd.NewError("ERR_NO_ROOM", printerOf(ctx).T("refuse.noRoom"), http.StatusInsufficientStorage)
	}
	return tusd.NewError("ERR_NOT_SAVED", printerOf(ctx).T("refuse.notSaved"), http.StatusServiceUnavailable)
}

// diskUpload is one upload of the store, written within the disk's floor.
type diskUpload struct {
	tusd.Upload
	store *uploadStore
}

// WriteChunk writes a chunk once the disk has room for the rest of the
// upload and its stored copy, holding that room while it writes, less
// each byte as it is written (disk.Floor.ReserveBody). When the
// disk refuses the write it deletes the upload: the customer starts again
// later, and meanwhile the partial file does not keep the disk full. (tusd
// turns a failure to read the request into the end of the body, so an
// error here is always the disk's, never a dropped connection, whose bytes
// stay for the resume.)
func (u *diskUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	info, err := u.GetInfo(ctx)
	if err != nil {
		return 0, err
	}
	need := u.store.copies()*info.Size - offset
	body, release, err := u.store.disk.ReserveBody(need, need, src)
	if err != nil {
		return 0, u.store.noRoom(ctx, err)
	}
	defer release()
	n, err := u.Upload.WriteChunk(ctx, offset, body)
	if err == nil {
		return n, nil
	}
	if terr := u.Terminate(ctx); terr != nil {
		u.store.log.ErrorContext(ctx, "delete a failed upload", slog.String("upload", info.ID), slog.Any("error", terr))
	}
	return 0, u.store.writeFailed(ctx, info.ID, err)
}

// Terminate deletes the upload's data and info.
func (u *diskUpload) Terminate(ctx context.Context) error {
	return u.store.backend.AsTerminatableUpload(u.Upload).Terminate(ctx)
}
