package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// uploadArtwork handles PUT /api/jobs/{id}/artwork: the ERP uploads the
// file itself, as the raw body. The limits are the customer page's: the
// size limit and the PDF check are enforced here, on the bytes received.
func (a *API) uploadArtwork(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/pdf" && ct != "application/octet-stream" {
		writeProblem(w, r, problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			fmt.Sprintf("Send the PDF itself as the body with Content-Type: application/pdf (or application/octet-stream), not %q.",
				clip(r.Header.Get("Content-Type"), 60))))
		return
	}
	// The disk must keep its floor with the whole body written; a body of
	// unknown length may be as large as the limit. One announced larger
	// is refused as too large below, before a byte is read: for good, not
	// for want of room now.
	body, release := io.Reader(r.Body), func() {}
	if r.ContentLength <= a.flow.MaxUpload() {
		if body, release, err = a.disk.ReserveBody(r.ContentLength, a.flow.MaxUpload(), r.Body); err != nil {
			w.Header().Set("Connection", "close") // the body is not worth reading
			a.writeError(w, r, err)
			return
		}
	}
	defer release()
	_, err = a.flow.Upload(r.Context(), workflow.UploadParams{
		TenantID: j.TenantID, JobID: j.ID, Filename: uploadFilename(r), Body: body, Size: r.ContentLength,
	})
	switch {
	case errors.Is(err, workflow.ErrTooLarge):
		// The rest of an oversized body is not worth reading: close the
		// connection instead of draining it.
		w.Header().Set("Connection", "close")
		writeProblem(w, r, problem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
			"The file is too large: files up to "+workflow.FormatBytes(a.flow.MaxUpload())+" are accepted."))
		return
	case errors.Is(err, workflow.ErrNotPDF):
		writeProblem(w, r, problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"The body is not a PDF: it must start with %PDF- (within its first 1024 bytes). Send the PDF file itself."))
		return
	case errors.Is(err, job.ErrTransition):
		writeProblem(w, r, errConflict(fmt.Sprintf("The job is %s; a new artwork version is accepted while it is awaiting_upload, preflight_failed or rejected.", j.Status)))
		return
	case err != nil:
		a.writeError(w, r, err)
		return
	}
	if j, err = a.store.Job(r.Context(), j.TenantID, j.ID); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/jobs/"+j.ID)
	a.writeJob(w, r, http.StatusCreated, j)
}

// uploadFilename is the file's name from the filename query parameter, or
// else the Content-Disposition header; workflow.CleanFilename makes it safe.
func uploadFilename(r *http.Request) string {
	if f := r.URL.Query().Get("filename"); f != "" {
		return f
	}
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
		return strings.TrimSpace(params["filename"])
	}
	return ""
}

// writeJob sends the full job object: versions, files and errors included.
func (a *API) writeJob(w http.ResponseWriter, r *http.Request, status int, j job.Job) {
	resp, err := a.fullJobResponse(r.Context(), j)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, status, resp)
}
