package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// takesVersion are the statuses in which a fetched artwork becomes a new
// version.
var takesVersion = []job.Status{job.AwaitingUpload, job.PreflightFailed, job.Rejected}

// run does the job's steps one after the other, reloading the job between
// them, until it reaches a status that waits for a person. It returns the
// job as the last step found it.
func (p *Pipeline) run(ctx context.Context, j store.Job) (store.Job, error) {
	orig := &original{blobs: p.cfg.Flow.Blobs}
	defer orig.close()
	for step := 0; step < 5; step++ {
		var err error
		switch {
		case j.ArtworkFetch == store.FetchPending && slices.Contains(takesVersion, j.Status):
			err = p.fetch(ctx, j)
		case j.Status == job.Uploaded:
			_, err = p.cfg.Flow.Transition(ctx, workflow.Change{
				TenantID: j.TenantID, JobID: j.ID, To: job.Preflighting, ArtworkVersionID: j.CurrentVersionID,
			})
		case j.Status == job.Preflighting:
			err = p.preflight(ctx, j, orig)
		case j.Status == job.PreflightPassed:
			err = p.proof(ctx, j, orig)
		default:
			return j, nil
		}
		if errors.Is(err, job.ErrTransition) || errors.Is(err, store.ErrStale) {
			// Cancelled, expired or moved by someone else meanwhile.
			return j, nil
		}
		if err != nil {
			return j, err
		}
		next, err := p.cfg.Flow.Store.Job(ctx, j.TenantID, j.ID)
		if err != nil {
			return j, retry(err)
		}
		j = next
	}
	return j, nil
}

// original keeps the file of a version open across the steps of one run,
// so that a blob store that downloads on Open (S3) fetches a 500 MB upload
// once for preflight and proof, not once per step. A run that stops
// between the steps downloads it again in the next: nothing depends on
// the copy but speed.
type original struct {
	blobs blob.Store
	key   string
	f     blob.File
	// heavy is the key of a file that preflight found heavy to render
	// (heavyPageOperators), for the proof that follows in the same run.
	heavy string
}

// heavyPageOperators is how many content operators make a page heavy to
// render: a page of a leaflet or a book has a few thousand, and PDFium
// takes seconds on a page of a million. A heavy file's proof takes one
// instance, and one heavy file is proofed at a time, so the other
// instances stay free for light ones (proof.Renderer.RenderHeavy). A proof
// in a later run than its preflight (after a restart) does not know and
// renders as a light one.
const heavyPageOperators = 200_000

// open returns the file stored under key, from the start.
func (o *original) open(ctx context.Context, key string) (blob.File, error) {
	if o.f == nil || o.key != key {
		o.close()
		f, err := o.blobs.Open(ctx, key)
		if err != nil {
			return nil, err
		}
		o.f, o.key = f, key
	}
	if _, err := o.f.Seek(0, io.SeekStart); err != nil {
		o.close()
		return nil, err
	}
	return o.f, nil
}

func (o *original) close() {
	if o.f != nil {
		o.f.Close()
		o.f, o.key = nil, ""
	}
}

// preflight checks the current version's file and records the outcome.
func (p *Pipeline) preflight(ctx context.Context, j store.Job, orig *original) error {
	v, err := p.cfg.Flow.Store.ArtworkVersion(ctx, j.TenantID, j.CurrentVersionID)
	if err != nil {
		return retry(err)
	}
	f, err := orig.open(ctx, v.BlobKey)
	if err != nil {
		return retry(fmt.Errorf("open %s: %w", v.ID, err))
	}
	prof, exp := p.profile(ctx, j)
	rep, err := p.cfg.Preflight.Check(ctx, f, f.Size(), prof, exp)
	if err != nil {
		return retry(fmt.Errorf("preflight %s: %w", v.ID, err))
	}
	// The file that prints: the upload, unless fixes were made.
	printed := &store.PrintChoice{SHA256: v.SHA256}
	printedKey := v.BlobKey
	fx, err := p.fix(ctx, j, v, f, prof, exp, rep)
	if err != nil {
		return err
	}
	if fx != nil {
		rep, printedKey = fx.report, fx.key
		printed = &store.PrintChoice{SHA256: fx.sha256, Unchanged: fx.unchanged}
	}
	rep.File = v.Filename
	if rep.MaxPageOperators >= heavyPageOperators {
		orig.heavy = printedKey
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("encode report of %s: %w", v.ID, err)
	}
	reportKey := workflow.ReportKey(j.ID, v.ID)
	if _, err := p.cfg.Flow.Blobs.Put(ctx, reportKey, bytes.NewReader(body)); err != nil {
		return retry(err)
	}
	to := job.PreflightFailed
	files := map[string]string{workflow.FilePreflightReport: reportKey, workflow.FileOriginalPDF: v.BlobKey}
	if rep.Status == preflight.StatusPassed {
		// The file that goes to print: the customer's, byte for byte, or
		// with Submit's fixes after its bytes.
		to, files[workflow.FileProcessedPDF] = job.PreflightPassed, printedKey
	}
	change := workflow.Change{
		TenantID: j.TenantID, JobID: j.ID, To: to, ArtworkVersionID: v.ID,
		Errors: findings(rep.Errors), Files: files, Pages: rep.Pages,
	}
	if fx != nil {
		change.Fixes = fx.fixes
	}
	if to == job.PreflightPassed {
		change.Print = printed
	}
	_, err = p.cfg.Flow.Transition(ctx, change)
	if err == nil {
		p.log.Info("preflight done", slog.String("job_id", j.ID), slog.String("version_id", v.ID),
			slog.String("status", string(to)), slog.Int("pages", rep.Pages), slog.Int("findings", len(rep.Errors)))
	}
	return err
}

// profile is the preflight profile and expectations of a job: the job's
// profile, else its tenant's default, else "default".
func (p *Pipeline) profile(ctx context.Context, j store.Job) (preflight.Profile, preflight.Expectations) {
	var exp preflight.Expectations
	name := ""
	if e := j.Preflight; e != nil {
		name = e.Profile
		if e.TrimSize != nil {
			u := job.Units[e.TrimSize.Unit]
			exp.TrimWidthPt, exp.TrimHeightPt = e.TrimSize.Width*u, e.TrimSize.Height*u
		}
		exp.PageCount = e.PageCount
		if e.Bleed != nil {
			exp.BleedPt = e.Bleed.Size * job.Units[e.Bleed.Unit]
			if exp.BleedPt == 0 {
				exp.BleedPt = -1 // the order says: no bleed
			}
		}
	}
	if name == "" {
		if t, err := p.cfg.Flow.Store.Tenant(ctx, j.TenantID); err == nil {
			name = t.Settings.PreflightProfile
		}
	}
	prof, err := preflight.LoadProfile(name)
	if err != nil {
		p.log.Warn("unknown preflight profile; using default", slog.String("job_id", j.ID), slog.String("profile", name))
		prof, _ = preflight.LoadProfile("")
	}
	return prof, exp
}

// findings converts preflight findings to the job's; a passed file gets an
// empty list, so that the version's errors are cleared, not kept.
func findings(fs []preflight.Finding) []job.Finding {
	out := make([]job.Finding, 0, len(fs))
	for _, f := range fs {
		jf := job.Finding{Code: f.Code, Check: f.Check, Severity: string(f.Severity), Message: f.Message, Page: f.Page}
		if len(f.Details) > 0 {
			if b, err := json.Marshal(f.Details); err == nil {
				jf.Details = b
			}
		}
		out = append(out, jf)
	}
	return out
}
