package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// Finding codes of a step the pipeline gave up on. Codes are stable API
// (docs/pipeline.md lists them).
const (
	// CodeEngineFailed: preflight could not finish checking the file.
	CodeEngineFailed = "PREFLIGHT_ENGINE_FAILED"
	// CodeProofFailed: the proof pages could not be rendered.
	CodeProofFailed = workflow.CodeProofFailed
)

// giveUp ends the tries of a step that failed attempts times, or once on
// the file's own fault (faultError), so that the job neither retries for
// ever nor waits in silence:
//
//   - preflight moves the job to preflight_failed with a
//     PREFLIGHT_ENGINE_FAILED finding: the ERP hears of it, and the
//     customer is asked to export the file again and upload it;
//   - a proof has no status to fail to (preflight_passed leads only to
//     proof_generated, and the file did pass), so the version gets a
//     PROOF_RENDER_FAILED finding, which Manage shows, and the log an
//     error; the job waits for an operator, a cancel or its expiry;
//   - a fetch is recorded as failed, so that Manage offers to fetch again.
//
// The caller then releases the lease as given up, so the job is not
// claimed again until its status changes.
func (p *Pipeline) giveUp(ctx context.Context, j store.Job, attempts int, cause error) {
	log := p.log.With(slog.String("job_id", j.ID), slog.String("version_id", j.CurrentVersionID),
		slog.String("status", string(j.Status)), slog.Int("attempts", attempts), slog.Any("error", cause))
	var err error
	switch {
	case j.Status == job.Preflighting:
		_, err = p.cfg.Flow.Transition(ctx, workflow.Change{
			TenantID: j.TenantID, JobID: j.ID, To: job.PreflightFailed, ArtworkVersionID: j.CurrentVersionID,
			Errors: []job.Finding{{Code: CodeEngineFailed, Check: "preflight", Severity: "error",
				Message: "We could not check this file: the check stopped on it several times. " +
					"Please export the PDF again from your design program and upload it again."}},
		})
	case j.Status == job.PreflightPassed:
		err = p.cfg.Flow.Store.AddVersionFinding(ctx, store.AddFindingParams{
			TenantID: j.TenantID, VersionID: j.CurrentVersionID,
			Finding: job.Finding{
				Code: CodeProofFailed, Check: "proof", Severity: "error",
				Message: "The proof could not be made: " + proofFailure(cause, attempts) +
					". An operator has to look at this file; a new export of the PDF, flattened, usually renders.",
			},
		})
	case j.ArtworkFetch == store.FetchPending:
		err = p.cfg.Flow.Store.SetArtworkFetch(ctx, j.ID, store.FetchFailed)
	}
	if err != nil {
		log.Error("gave up on a pipeline step, and could not record it", slog.Any("record_error", err))
		return
	}
	var fault *faultError
	if errors.As(cause, &fault) {
		log.Error("gave up on a pipeline step: the file cannot be rendered")
		return
	}
	log.Error("gave up on a pipeline step after repeated failures")
}

// proofFailure says in words why the proof could not be made.
func proofFailure(cause error, attempts int) string {
	switch {
	case errors.Is(cause, proof.ErrTimeout):
		return "this file takes too long to render"
	case errors.Is(cause, proof.ErrUnreadable):
		return "the renderer cannot open this file"
	case proof.FileFault(cause):
		return "the renderer fails on a page of this file"
	}
	return fmt.Sprintf("rendering the pages failed %d times", attempts)
}
