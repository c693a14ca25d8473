package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"syscall"

	"github.com/atomyx/submit/internal/findingtext"
	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// Finding codes of a failed artwork fetch (findingtext has their words).
const (
	CodeFetchFailed = findingtext.FetchFailed
	CodeTooLarge    = findingtext.TooLarge
	CodeNotPDF      = findingtext.NotPDF
)

// fetch downloads the job's artwork URL into a new version, or records why
// it could not as a preflight_failed version without a file.
func (p *Pipeline) fetch(ctx context.Context, j store.Job) error {
	fctx, cancel := context.WithTimeout(ctx, p.cfg.FetchTimeout)
	defer cancel()
	finding, err := p.download(fctx, j)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // stopping: the fetch is redone by whoever claims the job next
		}
		return err
	}
	if finding == nil {
		return nil // Upload recorded the fetch as done with the new version
	}
	if j.Status != job.AwaitingUpload {
		return p.fetchFailedAgain(ctx, j, finding)
	}
	now := p.cfg.Flow.Now()
	v := store.ArtworkVersion{ID: id.NewAt(id.ArtworkVersion, now), Filename: urlFilename(j.ArtworkURL), CreatedAt: now}
	_, err = p.cfg.Flow.Transition(ctx, workflow.Change{
		TenantID: j.TenantID, JobID: j.ID, To: job.PreflightFailed, ArtworkVersionID: v.ID,
		SetCurrentVersion: true, NewVersion: &v, Errors: []job.Finding{*finding}, ArtworkFetch: store.FetchFailed,
	})
	if err == nil {
		p.log.Info("artwork fetch failed", slog.String("job_id", j.ID), slog.String("code", finding.Code),
			slog.String("details", string(finding.Details)))
	}
	return err
}

// fetchFailedAgain records a failed fetch of a job that has already failed
// (an operator's "fetch again" in Manage, after preflight_failed): the job
// stays in its status, which has no edge to itself, so there is no event
// and no callback; the finding goes on the current version, where Manage
// shows it, and the fetch is marked failed so that Manage offers it again.
// The finding is written first: a crash between the two writes repeats the
// fetch and the finding, rather than losing it.
func (p *Pipeline) fetchFailedAgain(ctx context.Context, j store.Job, f *job.Finding) error {
	err := p.cfg.Flow.Store.AddVersionFinding(ctx, store.AddFindingParams{
		TenantID: j.TenantID, VersionID: j.CurrentVersionID, Finding: *f,
	})
	if err != nil {
		return err
	}
	if err := p.cfg.Flow.Store.SetArtworkFetch(ctx, j.ID, store.FetchFailed); err != nil {
		return err
	}
	p.log.Info("artwork fetch failed again", slog.String("job_id", j.ID), slog.String("code", f.Code),
		slog.String("details", string(f.Details)))
	return nil
}

// download fetches the URL and uploads the body as a new version. It
// returns a finding when the URL's answer is the problem, an error when
// Submit's own storage is.
func (p *Pipeline) download(ctx context.Context, j store.Job) (*job.Finding, error) {
	u, err := url.Parse(j.ArtworkURL)
	if err != nil {
		return fetchFinding(CodeFetchFailed, "", map[string]any{"reason": "invalid_url"}), nil
	}
	host := u.Hostname()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.ArtworkURL, nil)
	if err != nil {
		return fetchFinding(CodeFetchFailed, host, map[string]any{"reason": "invalid_url"}), nil
	}
	// Like callbacks': the file's host can tell Submit's fetches, and
	// which version made them, in its own logs.
	req.Header.Set("User-Agent", "AtomyxSubmit/"+p.cfg.Version+" (artwork fetch)")
	req.Header.Set("Accept", "application/pdf, */*;q=0.5")
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return fetchFinding(CodeFetchFailed, host, map[string]any{"reason": whyUnreachable(err)}), nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fetchFinding(CodeFetchFailed, host, map[string]any{"httpStatus": resp.StatusCode}), nil
	}
	limit := p.cfg.Flow.MaxUpload()
	_, err = p.cfg.Flow.Upload(ctx, workflow.UploadParams{
		TenantID: j.TenantID, JobID: j.ID, Filename: urlFilename(j.ArtworkURL), Body: resp.Body, Size: resp.ContentLength,
	})
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, workflow.ErrTooLarge):
		d := map[string]any{"limitBytes": limit}
		if resp.ContentLength > 0 {
			d["sizeBytes"] = resp.ContentLength
		}
		return fetchFinding(CodeTooLarge, host, d), nil
	case errors.Is(err, workflow.ErrNotPDF):
		d := map[string]any{}
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			d["contentType"] = ct
		}
		return fetchFinding(CodeNotPDF, host, d), nil
	case errors.Is(err, job.ErrTransition), errors.Is(err, store.ErrStale):
		return nil, err // the job moved on meanwhile (cancelled, a customer upload)
	case ctx.Err() != nil:
		return fetchFinding(CodeFetchFailed, host, map[string]any{"reason": "timeout"}), nil
	case isNetError(err):
		return fetchFinding(CodeFetchFailed, host, map[string]any{"reason": "interrupted"}), nil
	}
	return nil, retry(err)
}

// whyUnreachable names why no response came, for details.reason.
func whyUnreachable(err error) string {
	var dns *net.DNSError
	switch {
	case errors.Is(err, netguard.ErrRefused):
		return "address_not_allowed"
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return "timeout"
	case errors.As(err, &dns):
		return "host_not_found"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	}
	return "unreachable"
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}

// fetchFinding builds the finding, its message in English from its code
// and details (findingtext says it again in the job's language). Details
// name the host only, never the URL: its path and query often carry a
// signature or token.
func fetchFinding(code, host string, details map[string]any) *job.Finding {
	if host != "" {
		details["host"] = host
	}
	b, _ := json.Marshal(details)
	return &job.Finding{Code: code, Check: "artwork_fetch", Severity: "error", Message: findingtext.Message(english, code, details), Details: b}
}

// english writes the pipeline's findings as stored.
var english = i18n.NewPrinter(i18n.English)

// urlFilename is the last segment of the URL's path: what the customer or
// the ERP called the file.
func urlFilename(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return workflow.CleanFilename("")
	}
	return workflow.CleanFilename(path.Base(u.Path))
}
