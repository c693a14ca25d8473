package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/atomyx/submit/internal/findingtext"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// Finding codes of a step the pipeline gave up on (findingtext has their
// words; the proof codes are job's, which the workflow names too).
const (
	CodeEngineFailed       = findingtext.EngineFailed
	CodeProofFailed        = findingtext.ProofFailed
	CodeProofServiceFailed = findingtext.ProofServiceFailed
)

// giveUp ends the tries of a step that failed attempts times, or once on
// the file's own fault (faultError), so that the job neither retries for
// ever nor waits in silence:
//
//   - preflight moves the job to preflight_failed with a
//     PREFLIGHT_ENGINE_FAILED finding: the ERP hears of it, and the
//     customer is asked to export the file again and upload it;
//   - a proof has no status to fail to (preflight_passed leads only to
//     proof_generated, and the file did pass), so a proof_failed event
//     is recorded, which the ERP is sent, with its finding on the version
//     in the same transaction: PROOF_RENDER_FAILED when the renderer
//     failed on the file, PROOF_SERVICE_FAILED when Submit failed
//     (storage, a crash), never blaming the file for the second. The job
//     waits for an operator (Manage: Make the proof again), a cancel or
//     its expiry;
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
				Message: findingtext.Message(english, CodeEngineFailed, nil)}},
		})
	case j.Status == job.PreflightPassed:
		_, err = p.cfg.Flow.Transition(ctx, workflow.Change{
			TenantID: j.TenantID, JobID: j.ID, Outcome: job.EventProofFailed, GaveUp: true,
			ArtworkVersionID: j.CurrentVersionID, Errors: []job.Finding{proofFailed(cause, attempts)},
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

// proofFailed is the finding of a proof given up on: whose fault it was
// (details.fault: "file" or "submit") and why, in words for the ERP and the
// customer. Only a failure of the renderer on the file itself (faultError)
// is the file's; storage that refuses writes, a renderer that crashed or
// a step that never finished are Submit's, and the message says that the
// file needs no change.
func proofFailed(cause error, attempts int) job.Finding {
	code, d := CodeProofServiceFailed, map[string]any{"fault": "submit", "attempts": attempts, "cause": "renderer"}
	var fault *faultError
	var st *storageError
	switch {
	case errors.As(cause, &fault):
		code, d = CodeProofFailed, map[string]any{"fault": "file", "reason": fileFailure(cause)}
	case errors.As(cause, &st):
		d["cause"] = "storage"
	}
	details, _ := json.Marshal(d)
	return job.Finding{Code: code, Check: "proof", Severity: "error", Message: findingtext.Message(english, code, d), Details: details}
}

// fileFailure names why the renderer could not make a proof of the file,
// for details.reason.
func fileFailure(cause error) string {
	switch {
	case errors.Is(cause, proof.ErrTimeout):
		return "timeout"
	case errors.Is(cause, proof.ErrUnreadable):
		return "unreadable"
	}
	return "page"
}

// storageError marks a failure to store a file the step made: the blob
// store refused the write. It is Submit's fault, retried, and never
// reported as the file's.
type storageError struct{ err error }

func (e *storageError) Error() string { return e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }
