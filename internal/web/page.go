package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/atomyx/submit/internal/findingtext"
	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/logo"
	"github.com/atomyx/submit/internal/pdffix"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// Findings the page treats specially. The backend records them.
const (
	checkFetch   = "artwork_fetch" // ARTWORK_FETCH_FAILED, ARTWORK_TOO_LARGE, ARTWORK_NOT_PDF
	codeRejected = workflow.CodeRejected
)

// showPage is GET /u/{token}: the one page of a job, in the shape its
// status calls for.
func (w *Web) showPage(rw http.ResponseWriter, r *http.Request) {
	j, ok := w.openJob(rw, r)
	if !ok {
		return
	}
	v, err := w.jobView(r.Context(), j, w.language(rw, r, &j), r.URL.Query().Get("print") == printUnchanged)
	if err != nil {
		w.unavailable(rw, r, err)
		return
	}
	v.CSRF = w.csrfToken(rw, r)
	w.render(rw, r, http.StatusOK, v)
}

// openJob finds the job of the link and answers for links that lead
// nowhere: 404 for an unknown link, 410 for an expired or cancelled job.
// It returns false when it has answered.
func (w *Web) openJob(rw http.ResponseWriter, r *http.Request) (job.Job, bool) {
	token := r.PathValue("token")
	var j job.Job
	err := store.ErrNotFound
	if plausibleToken(token) { // junk never reaches the database
		j, err = w.d.Store.JobByUploadToken(r.Context(), token)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		w.gone(rw, r, http.StatusNotFound, nil, "web.gone.unknown")
		return j, false
	case err != nil:
		w.unavailable(rw, r, err)
		return j, false
	case j.Status == job.Cancelled:
		w.gone(rw, r, http.StatusGone, &j, "web.gone.cancelled")
		return j, false
	case j.Status == job.Expired || !j.Status.Final() && !w.now().Before(j.ExpiresAt):
		w.gone(rw, r, http.StatusGone, &j, "web.gone.expired")
		return j, false
	}
	return j, true
}

// plausibleToken reports whether s could be a link token: tokens are
// base32 or base64url text of 128 bits or more.
func plausibleToken(s string) bool {
	if len(s) < 22 || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// gone answers a link that leads nowhere, with the job's branding and order
// reference when the job is known. key names the heading (key.h) and the
// text (key.text) in the catalogue.
func (w *Web) gone(rw http.ResponseWriter, r *http.Request, status int, j *job.Job, key string) {
	p := w.language(rw, r, j)
	heading, text := p.T(key+".h"), p.T(key+".text")
	if wantsJSON(r) {
		writeJSON(rw, status, map[string]string{"error": heading + ". " + text, "view": "gone"})
		return
	}
	v := &view{Template: "message", Title: heading, Heading: heading, Text: text, p: p}
	if j != nil {
		v.OrderRef, v.Test = j.ExternalID, !j.Livemode
		v.Palette, v.Logo = w.brand(r.Context(), *j)
	}
	w.render(rw, r, status, v)
}

// unavailable answers a failure on our side, logged with its cause; the
// customer gets words, never a stack trace.
func (w *Web) unavailable(rw http.ResponseWriter, r *http.Request, err error) {
	w.log.ErrorContext(r.Context(), "customer page", "path_route", r.Pattern, "error", err)
	w.refuse(rw, r, http.StatusServiceUnavailable, "refuse.unavailable")
}

// brand is the job's brand, falling back field by field to its tenant's,
// with the address of the logo on Submit's own origin: "" while the logo
// is being checked or when it failed, and the page shows its text header.
// The logo's own URL never reaches the page.
func (w *Web) brand(ctx context.Context, j job.Job) (palette, string) {
	var b job.Brand
	if j.Brand != nil {
		b = *j.Brand
	}
	if b.Color == "" || b.Logo == "" {
		if t, err := w.d.Store.Tenant(ctx, j.TenantID); err == nil && t.Settings.Brand != nil {
			b.Color = cmpOr(b.Color, t.Settings.Brand.Color)
			b.Logo = cmpOr(b.Logo, t.Settings.Brand.Logo)
		}
	}
	return newPalette(b.Color), w.logoPath(ctx, j.TenantID, b.Logo)
}

// logoPath is the address of a tenant's logo on Submit's origin, or ""
// while it is checked, when it failed, or when it cannot be read now. A
// logo never recorded (a job or setting older than the check) is recorded
// now, so that it is checked and shown from the next view on.
func (w *Web) logoPath(ctx context.Context, tenantID, url string) string {
	if url == "" || w.d.Logos == nil {
		return ""
	}
	l, err := w.d.Store.Logo(ctx, tenantID, url)
	if errors.Is(err, store.ErrNotFound) {
		l, err = w.d.Logos.Request(ctx, tenantID, url)
	}
	if err != nil {
		w.log.WarnContext(ctx, "read the brand logo", "error", err)
		return "" // the page shows its text header: a logo is not worth an error page
	}
	return logo.Path(l)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// jobView builds the page of a job that is open (or approved), in the
// language p speaks. unchanged asks for the proof of the file without the
// fixes Submit offered, when the customer may choose it (?print=unchanged).
func (w *Web) jobView(ctx context.Context, j job.Job, p *i18n.Printer, unchanged bool) (*view, error) {
	v := &view{
		Token: j.UploadToken, OrderRef: j.ExternalID, Metadata: j.Metadata, Status: j.Status,
		Sequence: j.Sequence, ExpiresAt: j.ExpiresAt, Rules: newRules(p, w.maxUpload(), j.Preflight),
		Steps: stepsFor(p, j.Status), Test: !j.Livemode, p: p,
	}
	v.Palette, v.Logo = w.brand(ctx, j)
	if err := w.addVersion(ctx, j, v); err != nil {
		return nil, err
	}
	v.Template, v.Title = templateFor(j)
	v.Title = p.T(v.Title)
	switch j.Status {
	case job.ProofGenerated:
		v.Choice = newChoice(j, v.Version, unchanged)
		pages, err := w.proofPages(ctx, j, v.Version, v.Choice != nil && v.Choice.Unchanged)
		if err != nil {
			return nil, err
		}
		v.Pages = pages
	case job.Approved:
		// What was approved is a reassurance, not a necessity.
		chosen := v.Version != nil && workflow.PrintsUnchanged(*v.Version)
		v.Pages, _ = w.proofPages(ctx, j, v.Version, chosen)
	}
	return v, nil
}

// addVersion fills in the current artwork version and its findings.
func (w *Web) addVersion(ctx context.Context, j job.Job, v *view) error {
	if j.CurrentVersionID == "" {
		return nil
	}
	versions, err := w.d.Store.ListArtworkVersions(ctx, j.TenantID, j.ID)
	if err != nil {
		return fmt.Errorf("read versions of %s: %w", j.ID, err)
	}
	for i := range versions {
		if versions[i].ID == j.CurrentVersionID {
			v.Version, v.VersionNo = &versions[i], i+1
		}
	}
	if v.Version == nil {
		return nil
	}
	v.Version.Fixes = pdffix.Localize(v.Version.Fixes, v.p.Tag())
	var shown []job.Finding
	for _, f := range findingtext.Localize(v.Version.Errors, v.p.Tag()) {
		switch {
		case f.Check == checkFetch:
			// The ERP's artwork URL failed (not found, too large, not a
			// PDF): the customer is simply asked for the file.
			v.FetchFailed = true
		case f.Code == codeRejected:
			v.Reason = f.Message
			continue // shown as the customer's own words, not as a finding
		}
		shown = append(shown, f)
	}
	v.Findings, v.Errors, v.Warnings = groupFindings(v.p, shown)
	return nil
}

// templateFor picks the content template and the catalogue key of the
// title for a job's status, and for a proof the pipeline gave up on, which
// has no status of its own (the job stays preflight_passed until an
// operator acts).
func templateFor(j job.Job) (name, title string) {
	switch j.Status {
	case job.AwaitingUpload:
		return "upload", "web.upload.title"
	case job.Uploaded, job.Preflighting, job.PreflightPassed:
		if j.ProofGivenUp() {
			return "proofdelayed", "web.delayed.title"
		}
		return "processing", "web.processing.title"
	case job.PreflightFailed:
		return "findings", "web.findings.doc"
	case job.ProofGenerated:
		return "proof", "web.proof.title"
	case job.Rejected:
		return "rejected", "web.rejected.title"
	case job.Approved:
		return "approved", "web.approved.doc"
	}
	return "message", "web.step.upload"
}
