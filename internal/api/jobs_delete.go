package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/atomyx/submit/internal/workflow"
)

// deleteJob handles DELETE /api/jobs/{id}: a test job is deleted with its
// events, deliveries, artwork versions and files, so that an integrator
// can clean up what their tests made. A live job is refused: it is
// cancelled instead. A test job is not visible to a live key (404), so
// only a test key deletes.
func (a *API) deleteJob(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	d, err := a.flow.DeleteTestJob(r.Context(), j.TenantID, j.ID)
	if errors.Is(err, workflow.ErrLiveJob) {
		err = problem(http.StatusConflict, "live-job", "Live job",
			fmt.Sprintf("The job %s is live, and live jobs cannot be deleted: cancel it instead with POST /api/jobs/%s/cancel. Only test jobs, made with a test key (sk_test_…), can be deleted.", j.ID, j.ID))
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	// A deletion cannot be looked up afterwards: the log keeps which key
	// deleted which order.
	a.log.InfoContext(r.Context(), "test job deleted", slog.String("job_id", d.Job.ID),
		slog.String("external_id", d.Job.ExternalID), slog.String("key_id", caller(r.Context()).KeyID))
	if d.FilesErr != nil {
		// The job is gone and nothing links to its files any more: they
		// cost space, not correctness, so the caller is not failed for it.
		a.log.WarnContext(r.Context(), "files of a deleted test job are left in storage",
			slog.String("job_id", j.ID), slog.Any("error", d.FilesErr))
	}
	w.WriteHeader(http.StatusNoContent)
}
