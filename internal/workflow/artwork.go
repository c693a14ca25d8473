package workflow

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// DefaultMaxUploadBytes is the default upload limit: 1 GiB holds a long,
// image-heavy book at print resolution, and a larger file is almost always
// a mistake (an unflattened working file) the customer should hear about.
const DefaultMaxUploadBytes int64 = 1 << 30

// MaxReasonLength bounds a rejection reason, in characters.
const MaxReasonLength = 2000

// Errors of the customer's actions, worded for the customer. Callers test
// them with errors.Is; the wrapped message adds the limit or the detail.
var (
	// ErrTooLarge: the file is above MaxUploadBytes.
	ErrTooLarge = errors.New("the file is too large")
	// ErrNotPDF: the file does not start like a PDF.
	ErrNotPDF = errors.New("the file is not a PDF")
	// ErrReason: a rejection without a usable reason.
	ErrReason = errors.New("the reason is not accepted")
	// ErrNoStorage: the service was built without blob storage.
	ErrNoStorage = errors.New("file storage is not configured")
)

// pdfSniffWindow is how far into a file "%PDF-" may start: PDF readers
// accept up to 1024 bytes of junk before the header (ISO 32000-2, 7.5.2
// implementation note), and some tools do write a preamble.
const pdfSniffWindow = 1024

// UploadParams is one artwork upload.
type UploadParams struct {
	TenantID, JobID, Filename string
	Body                      io.Reader
	// Size is the announced length, -1 if unknown. A length above the
	// limit is refused before a byte is read; the limit is enforced on the
	// bytes actually read either way.
	Size int64
}

// Upload stores a new artwork version for a job and moves the job to
// uploaded. The body is streamed to blob storage while it is hashed and
// counted, never held in memory. The version and the transition are one
// transaction; on any error the stored file is removed again, so nothing is
// left behind. Errors: ErrTooLarge, ErrNotPDF, job.ErrTransition (the job
// does not take uploads now), store.ErrNotFound.
func (s *Service) Upload(ctx context.Context, p UploadParams) (store.ArtworkVersion, error) {
	if s.Blobs == nil {
		return store.ArtworkVersion{}, ErrNoStorage
	}
	j, err := s.Store.Job(ctx, p.TenantID, p.JobID)
	if err != nil {
		return store.ArtworkVersion{}, fmt.Errorf("upload to %s: %w", p.JobID, err)
	}
	if _, err := job.Move(j.Status, job.Uploaded); err != nil {
		return store.ArtworkVersion{}, fmt.Errorf("upload to %s: %w", j.ID, err)
	}
	limit := s.maxUpload()
	if p.Size > limit {
		return store.ArtworkVersion{}, tooLarge(limit)
	}
	body, err := SniffPDF(p.Body)
	if err != nil {
		return store.ArtworkVersion{}, err
	}
	now := s.now()
	v := store.ArtworkVersion{
		ID: id.NewAt(id.ArtworkVersion, now), Filename: CleanFilename(p.Filename), CreatedAt: now,
	}
	v.BlobKey = OriginalKey(j.ID, v.ID)
	lr := &limitReader{r: body, left: limit}
	info, err := s.Blobs.Put(ctx, v.BlobKey, lr)
	if lr.over {
		err = tooLarge(limit) // whatever the store made of the reader's error
	}
	if err != nil {
		_ = s.Blobs.Delete(context.WithoutCancel(ctx), v.BlobKey)
		return store.ArtworkVersion{}, err
	}
	v.Size, v.SHA256 = info.Size, info.SHA256
	c := Change{
		TenantID: j.TenantID, JobID: j.ID, To: job.Uploaded, ArtworkVersionID: v.ID,
		SetCurrentVersion: true, NewVersion: &v,
	}
	if j.ArtworkFetch == store.FetchPending || j.ArtworkFetch == store.FetchFailed {
		// Whether this file came from the URL or from the customer, the
		// URL need not be fetched any more, nor offered in Manage to be
		// fetched again.
		c.ArtworkFetch = store.FetchDone
	}
	_, err = s.Transition(ctx, c)
	if err != nil {
		_ = s.Blobs.Delete(context.WithoutCancel(ctx), v.BlobKey)
		return store.ArtworkVersion{}, fmt.Errorf("upload to %s: %w", j.ID, err)
	}
	s.wake()
	// The version as committed: reading it back could already show the
	// pipeline's next step.
	v.JobID, v.TenantID, v.Status = j.ID, j.TenantID, job.Uploaded
	return v, nil
}

// MaxUpload is the upload limit in force: MaxUploadBytes or its default.
func (s *Service) MaxUpload() int64 { return s.maxUpload() }

func (s *Service) maxUpload() int64 {
	if s.MaxUploadBytes > 0 {
		return s.MaxUploadBytes
	}
	return DefaultMaxUploadBytes
}

func tooLarge(limit int64) error {
	return fmt.Errorf("%w: files up to %s are accepted; reduce image resolution or split the file", ErrTooLarge, FormatBytes(limit))
}

// Approve records the approval of the current proof by the customer, an
// API key or an operator (by): the file shown, with every fix made, is
// the file that prints.
// Approving an approved job returns it unchanged, so a double click is
// harmless, and so do concurrent approvals: all but one lose the race,
// and each answers from the approval that won.
func (s *Service) Approve(ctx context.Context, tenantID, jobID string, by job.Actor) (job.Job, error) {
	return s.approve(ctx, tenantID, jobID, by, false)
}

// ErrNoChoice: the version offers no file without fixes to approve.
var ErrNoChoice = errors.New("there is no unchanged file to approve: nothing was fixed that may be left out")

// ApproveUnchanged approves the file without the fixes Submit offered
// (store.PrintChoice.Unchanged), whose proof the customer saw: it becomes
// processed_pdf, with its own proof, report and fixes (the automatic
// ones, if any). ErrNoChoice when the current version offers none.
func (s *Service) ApproveUnchanged(ctx context.Context, tenantID, jobID string, by job.Actor) (job.Job, error) {
	return s.approve(ctx, tenantID, jobID, by, true)
}

func (s *Service) approve(ctx context.Context, tenantID, jobID string, by job.Actor, unchanged bool) (job.Job, error) {
	j, err := s.Store.Job(ctx, tenantID, jobID)
	if err != nil || j.Status == job.Approved {
		return j, err
	}
	c := Change{TenantID: tenantID, JobID: jobID, To: job.Approved, ArtworkVersionID: j.CurrentVersionID, Actor: by}
	if j.CurrentVersionID != "" {
		v, err := s.Store.ArtworkVersion(ctx, tenantID, j.CurrentVersionID)
		if err != nil {
			return j, err
		}
		if err := choose(&c, v, unchanged); err != nil {
			return j, err
		}
	} else if unchanged {
		return j, ErrNoChoice
	}
	_, err = s.Transition(ctx, c)
	return s.settle(ctx, tenantID, jobID, job.Approved, err)
}

// choose records in c which file the approval prints: the version's
// processed_pdf, or its unchanged file, whose files and fixes then become
// the version's. The print choice keeps the SHA-256 of the file approved.
func choose(c *Change, v store.ArtworkVersion, unchanged bool) error {
	if v.Print == nil {
		if unchanged {
			return ErrNoChoice
		}
		return nil
	}
	pc := *v.Print
	switch u := pc.Unchanged; {
	case unchanged && (u == nil || u.Proof == ""):
		return ErrNoChoice
	case unchanged:
		c.Files = map[string]string{FileProcessedPDF: u.PDF, FileProof: u.Proof, FilePreflightReport: u.Report}
		c.Fixes = u.Fixes
		if c.Fixes == nil {
			c.Fixes = []job.Fix{}
		}
		pc.SHA256, pc.Chosen = u.SHA256, store.PrintUnchanged
	case u != nil:
		pc.Chosen = store.PrintFixed
	}
	c.Print = &pc
	return nil
}

// Reject records the rejection of the current proof (by the customer, an
// API key or an operator), with the reason as a REJECTED_BY_CUSTOMER
// finding in the event's errors (the code predates the other deciders,
// and stays: codes are API; decided_by says who): the
// callback body has no other place for it, and the ERP reads it where it
// reads every other reason a version is not good. Unlike Approve, a
// rejection that lost the race to another rejection is refused: its reason
// was not recorded.
func (s *Service) Reject(ctx context.Context, tenantID, jobID, reason string, by job.Actor) (job.Job, error) {
	reason, err := CleanReason(reason)
	if err != nil {
		return job.Job{}, err
	}
	j, err := s.Store.Job(ctx, tenantID, jobID)
	if err != nil {
		return j, err
	}
	_, err = s.Transition(ctx, Change{
		TenantID: tenantID, JobID: jobID, To: job.Rejected, ArtworkVersionID: j.CurrentVersionID, Actor: by,
		Errors: []job.Finding{{
			Code: CodeRejected, Check: "approval", Severity: "error", Message: reason,
		}},
	})
	if err != nil {
		return j, err
	}
	return s.Store.Job(ctx, tenantID, jobID)
}

// CleanReason is a rejection reason as it is stored and sent to the ERP:
// multi-line text (job.CleanLines: LF line breaks, no control characters)
// of 1 to MaxReasonLength characters. Its errors wrap ErrReason, and
// job.ErrText when a character is refused.
func CleanReason(reason string) (string, error) {
	reason, err := job.CleanLines(reason)
	if err != nil {
		return reason, fmt.Errorf("%w: it %w", ErrReason, err)
	}
	if n := utf8.RuneCountInString(reason); n == 0 || n > MaxReasonLength {
		return reason, fmt.Errorf("%w: say in 1 to %d characters what should change", ErrReason, MaxReasonLength)
	}
	return reason, nil
}

// CodeRejected is the finding code of a customer's rejection.
const CodeRejected = "REJECTED_BY_CUSTOMER"

// SniffPDF checks that r starts like a PDF ("%PDF-" within the first 1024
// bytes) and returns a reader that yields the whole stream, the sniffed
// bytes included.
func SniffPDF(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, pdfSniffWindow)
	head, err := br.Peek(pdfSniffWindow)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read the file: %w", err)
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		if len(head) == 0 {
			return nil, fmt.Errorf("%w: the file is empty", ErrNotPDF)
		}
		return nil, fmt.Errorf("%w: export or save the artwork as PDF and upload that file", ErrNotPDF)
	}
	return br, nil
}

// limitReader fails once more than left bytes have been read, so that an
// oversized stream stops at the limit instead of filling the disk.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.over = true
		return 0, ErrTooLarge
	}
	return n, err
}

// CleanFilename makes a customer's file name safe to show and to put in a
// Content-Disposition header: its last path element, without control and
// bidirectional control characters (job.ControlKind: "invoice\u202Efdp.exe"
// would show as "invoiceexe.pdf"), at most 200 characters; "artwork.pdf"
// when nothing is left.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if job.ControlKind(r) != "" || r == utf8.RuneError || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if rs := []rune(name); len(rs) > 200 {
		name = string(rs[len(rs)-200:])
	}
	if name == "" || name == "." || name == "/" {
		return "artwork.pdf"
	}
	return name
}

// FormatBytes writes a size for people: "1 GiB", "512 MiB", "900 KiB".
func FormatBytes(n int64) string {
	const unit = 1024
	switch {
	case n >= unit*unit*unit && n%(unit*unit*unit) == 0:
		return fmt.Sprintf("%d GiB", n/(unit*unit*unit))
	case n >= unit*unit:
		return fmt.Sprintf("%.0f MiB", float64(n)/(unit*unit))
	case n >= unit:
		return fmt.Sprintf("%.0f KiB", float64(n)/unit)
	}
	return fmt.Sprintf("%d bytes", n)
}
