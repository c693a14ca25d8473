package web

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// multipartSlack is room for the multipart framing around the file.
const multipartSlack = 1 << 20

// uploadForm is POST /u/{token}/upload: the plain multipart upload, used
// without JavaScript and by the script when the resumable upload fails.
// The file is streamed to storage, never held in memory or parsed twice.
func (w *Web) uploadForm(rw http.ResponseWriter, r *http.Request) {
	j, ok := w.openJob(rw, r)
	if !ok {
		return
	}
	limit := w.maxUpload() + multipartSlack
	if r.ContentLength > limit { // too large is for good; no room is for now
		w.uploadFailed(rw, r, workflow.ErrTooLarge)
		return
	}
	// The disk must keep its floor with the whole request written; a
	// request of unknown length may be as large as the limit.
	body, release, err := w.d.Disk.ReserveBody(r.ContentLength, limit, r.Body)
	if err != nil {
		w.uploadFailed(rw, r, err)
		return
	}
	defer release()
	r.Body = http.MaxBytesReader(rw, readCloser{body, r.Body}, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		w.refuse(rw, r, http.StatusBadRequest, "refuse.noFile")
		return
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			w.uploadFailed(rw, r, err)
			return
		}
		if part.FormName() != "file" {
			continue
		}
		if part.FileName() == "" {
			w.refuse(rw, r, http.StatusBadRequest, "refuse.noFile")
			return
		}
		_, err = w.store(r.Context(), j, part.FileName(), part, -1)
		if err != nil {
			w.uploadFailed(rw, r, err)
			return
		}
		if wantsJSON(r) {
			writeJSON(rw, http.StatusCreated, map[string]string{"next": "/u/" + j.UploadToken})
			return
		}
		http.Redirect(rw, r, "/u/"+j.UploadToken, http.StatusSeeOther)
		return
	}
}

// store hands an uploaded file to the workflow, which stores it as a new
// artwork version and starts preflight. It finishes even when the
// customer's connection drops after the last byte.
func (w *Web) store(ctx context.Context, j job.Job, filename string, body io.Reader, size int64) (store.ArtworkVersion, error) {
	return w.d.Workflow.Upload(background(ctx), workflow.UploadParams{
		TenantID: j.TenantID, JobID: j.ID, Filename: workflow.CleanFilename(filename), Body: body, Size: size,
	})
}

// uploadProblem turns an upload error into a status and words for the
// customer in p's language; 0 means a failure on our side.
func (w *Web) uploadProblem(p *i18n.Printer, err error) (int, string) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, workflow.ErrTooLarge), errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, p.T("refuse.tooLarge", "size", p.Bytes(w.maxUpload()))
	case errors.Is(err, workflow.ErrNotPDF):
		return http.StatusUnsupportedMediaType, p.T("refuse.notPDF")
	case errors.Is(err, job.ErrTransition):
		return http.StatusConflict, p.T("refuse.notWaiting")
	case disk.IsFull(err):
		return http.StatusInsufficientStorage, p.T("refuse.noRoom")
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, p.T("refuse.gone")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, p.T("refuse.cutOff")
	}
	return 0, ""
}

// readCloser reads through a wrapper of a request's body and closes the
// body.
type readCloser struct {
	io.Reader
	io.Closer
}

func (w *Web) uploadFailed(rw http.ResponseWriter, r *http.Request, err error) {
	p := refusalPrinter(r)
	status, msg := w.uploadProblem(p, err)
	if status == 0 {
		w.unavailable(rw, r, err)
		return
	}
	w.refuseIn(rw, r, p, status, msg)
}
