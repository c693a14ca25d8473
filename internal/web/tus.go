package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	xslog "golang.org/x/exp/slog"
)

// tusUploads serves resumable uploads with the tus protocol, through
// tusd's handler: a connection that drops on a 300 MB file resumes where it
// stopped instead of starting over. Unfinished uploads are kept in the
// blob bucket when it is S3 (Deps.UploadBucket), where every process can
// resume them under a lock that holds across processes
// (Deps.UploadLocker); otherwise on local disk under DataDir/tus, where
// only this process can.
//
// Upload ids are the job's id and a random token (newUploadID), with the
// S3 store's multipart upload id after a "+", and a request whose id has
// any other shape is refused before tusd sees it (tusBackend.validID):
// one link must never reach another link's upload.
type tusUploads struct {
	w     *Web
	dir   string // of the file store; "" with S3
	store *uploadStore

	once sync.Once
	h    *tusd.UnroutedHandler
	err  error
}

type jobKey struct{}

func newTusUploads(w *Web) *tusUploads {
	t := &tusUploads{w: w}
	var backend tusBackend
	if w.d.UploadBucket != nil {
		// Chunks are spooled where blob storage spools its files.
		backend = newS3Backend(w.d.UploadBucket, filepath.Join(w.d.DataDir, "tmp"))
	} else {
		t.dir = tusDir(w.d.DataDir)
		backend = fileBackend{filestore.New(t.dir)}
	}
	locker := w.d.UploadLocker
	if locker == nil {
		locker = memorylocker.New()
	}
	t.store = &uploadStore{
		backend: backend, locker: locker, disk: w.d.Disk, log: w.log,
		maxCount: w.d.MaxUnfinishedUploads, maxBytes: w.d.MaxUnfinishedBytes,
	}
	return t
}

// handler makes the tusd handler on first use, so that a server whose
// customers never upload creates no directory.
func (t *tusUploads) handler() (*tusd.UnroutedHandler, error) {
	t.once.Do(func() {
		dir := t.dir
		if dir == "" {
			dir = filepath.Join(t.w.d.DataDir, "tmp")
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.err = fmt.Errorf("make upload directory: %w", err)
			return
		}
		composer := tusd.NewStoreComposer()
		t.store.UseIn(composer)
		composer.UseLocker(t.store.locker)
		t.h, t.err = tusd.NewUnroutedHandler(tusd.Config{
			StoreComposer: composer, BasePath: "/u/tus/", MaxSize: t.w.maxUpload(),
			DisableDownload: true, DisableConcatenation: true,
			Cors:                      &tusd.CorsConfig{Disable: true}, // the page is same-origin
			PreUploadCreateCallback:   t.beforeCreate,
			PreFinishResponseCallback: t.finish,
			Logger:                    xslog.New(xslog.NewTextHandler(io.Discard, nil)),
		})
	})
	return t.h, t.err
}

// serve is every request under /u/{token}/tus/.
func (t *tusUploads) serve(rw http.ResponseWriter, r *http.Request) {
	r.Header.Set("Accept", "application/json")
	j, ok := t.w.openJob(rw, r)
	if !ok {
		return
	}
	h, err := t.handler()
	if err != nil {
		t.w.unavailable(rw, r, err)
		return
	}
	uploadID := r.PathValue("id") // unescaped: %2F is a slash here
	if uploadID != "" && !t.store.backend.validID(j.ID, uploadID) {
		writeJSON(rw, http.StatusNotFound, map[string]string{"error": refusalPrinter(r).T("refuse.otherUpload")})
		return
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && !job.CanMove(j.Status, job.Uploaded) {
		t.w.refuse(rw, r, http.StatusConflict, "refuse.notWaiting")
		return
	}
	ctx := context.WithValue(r.Context(), jobKey{}, j)
	r = r.WithContext(context.WithValue(ctx, printerKey{}, refusalPrinter(r)))
	r.URL.Path = "/" + uploadID // tusd reads the id from the path
	base := "/u/" + j.UploadToken + "/tus/"
	h.Middleware(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && uploadID == "":
			h.PostFile(rw, r)
		case r.Method == http.MethodHead && uploadID != "":
			h.HeadFile(rw, r)
		case r.Method == http.MethodPatch && uploadID != "":
			h.PatchFile(rw, r)
		case r.Method == http.MethodDelete && uploadID != "":
			h.DelFile(rw, r)
		default:
			rw.Header().Set("Allow", "POST, HEAD, PATCH, DELETE, OPTIONS")
			rw.WriteHeader(http.StatusMethodNotAllowed)
		}
	})).ServeHTTP(&locationWriter{ResponseWriter: rw, base: base}, r)
}

// beforeCreate accepts a new upload: a PDF by its name or type (the
// content is checked when the upload completes), stored under an id that
// names the job.
func (t *tusUploads) beforeCreate(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	j, _ := hook.Context.Value(jobKey{}).(job.Job)
	name := hook.Upload.MetaData["filename"]
	if !looksLikePDF(name, hook.Upload.MetaData["filetype"]) {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusd.NewError("ERR_NOT_PDF",
			printerOf(hook.Context).T("refuse.notPDF"), http.StatusUnsupportedMediaType)
	}
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{
		ID:       newUploadID(j.ID),
		MetaData: tusd.MetaData{"filename": workflow.CleanFilename(name)},
	}, nil
}

// uploadTokenBytes is the size of an upload id's random part.
const uploadTokenBytes = 16

// newUploadID mints the id of a new upload of the job: the job's id, a
// dash and 128 random bits as base64url, which has no "/" and no ".".
func newUploadID(jobID string) string { return jobID + "-" + id.Token(uploadTokenBytes) }

// isUploadIDOf reports whether s is exactly of the shape newUploadID
// mints for the job: nothing else may reach the file store, which joins
// the id into a path.
func isUploadIDOf(jobID, s string) bool {
	token, ok := strings.CutPrefix(s, jobID+"-")
	if !ok || len(token) != base64.RawURLEncoding.EncodedLen(uploadTokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil
}

func looksLikePDF(name, typ string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".pdf") || typ == "application/pdf"
}

// finish hands a completed upload to the workflow and removes the tus
// copy, whatever the outcome: a refused file is not kept.
func (t *tusUploads) finish(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	j, _ := hook.Context.Value(jobKey{}).(job.Job)
	up, err := t.store.backend.GetUpload(hook.Context, hook.Upload.ID)
	if err != nil {
		return tusd.HTTPResponse{}, fmt.Errorf("open finished upload: %w", err)
	}
	defer func() {
		// Not the request's context: a customer who leaves now must not
		// leave the upload behind.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(hook.Context), time.Minute)
		defer cancel()
		if err := t.store.backend.AsTerminatableUpload(up).Terminate(ctx); err != nil {
			t.w.log.WarnContext(ctx, "delete a finished upload", "upload", hook.Upload.ID, "error", err)
		}
	}()
	f, err := up.GetReader(hook.Context)
	if err != nil {
		return tusd.HTTPResponse{}, fmt.Errorf("open finished upload: %w", err)
	}
	defer f.Close()
	// The copy into storage takes the file's size again until the tus
	// copy is removed (or, from S3, while blob storage spools it): hold it
	// against the disk's floor as it is written.
	body, release, err := t.w.d.Disk.ReserveBody(hook.Upload.Size, hook.Upload.Size, f)
	if err == nil {
		defer release()
		_, err = t.w.store(hook.Context, j, hook.Upload.MetaData["filename"], body, hook.Upload.Size)
	}
	if err != nil {
		p := printerOf(hook.Context)
		status, msg := t.w.uploadProblem(p, err)
		if status == 0 {
			t.w.log.ErrorContext(hook.Context, "store resumable upload", "job", j.ID, "error", err)
			status, msg = http.StatusServiceUnavailable, p.T("refuse.notStored")
		}
		return tusd.HTTPResponse{}, tusd.NewError("ERR_UPLOAD_REFUSED", msg, status)
	}
	return tusd.HTTPResponse{Header: tusd.HTTPHeader{"X-Submit-Next": "/u/" + j.UploadToken}}, nil
}

// locationWriter rewrites the Location of a created upload to this link's
// tus path: tusd builds it from one fixed base path, and links differ.
type locationWriter struct {
	http.ResponseWriter
	base string
}

func (lw *locationWriter) WriteHeader(code int) {
	if loc := lw.Header().Get("Location"); loc != "" {
		if i := strings.LastIndex(loc, "/"); i >= 0 {
			lw.Header().Set("Location", lw.base+loc[i+1:])
		}
	}
	lw.ResponseWriter.WriteHeader(code)
}

func (lw *locationWriter) Write(b []byte) (int, error) { return lw.ResponseWriter.Write(b) }

// Unwrap lets tusd's ResponseController set read deadlines on the real
// connection.
func (lw *locationWriter) Unwrap() http.ResponseWriter { return lw.ResponseWriter }
