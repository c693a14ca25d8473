package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// approveJob handles POST /api/jobs/{id}/approve: the ERP's staff approve
// the proof in their own screens. The event says decided_by api_key.
// Approving an approved job returns it unchanged, as on the customer's
// page, so a retry is safe.
func (a *API) approveJob(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if _, p := decodeSmallBody(w, r); p != nil {
		writeProblem(w, r, p)
		return
	}
	j, err = a.flow.Approve(r.Context(), j.TenantID, j.ID, caller(r.Context()).actor())
	a.writeDecision(w, r, j, err, "approved")
}

// rejectJob handles POST /api/jobs/{id}/reject with {"reason": "…"}: the
// reason reaches the customer's page and the event's errors as on the
// customer's own rejection.
func (a *API) rejectJob(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	v, p := readJSON(w, r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	var c checker
	reason := ""
	if root, ok := c.object("", v, "reason"); ok {
		if root["reason"] == nil {
			c.add("/reason", "is required: say in words what should change, as the customer will read it")
		} else if s, ok := root["reason"].(string); !ok {
			c.add("/reason", "must be a string, not %s", kind(root["reason"]))
		} else if clean, err := workflow.CleanReason(s); err != nil {
			c.add("/reason", "is not accepted: %s", strings.TrimPrefix(err.Error(), workflow.ErrReason.Error()+": "))
		} else {
			reason = clean
		}
	}
	if len(c.errs) > 0 {
		writeProblem(w, r, errValidation(c.errs))
		return
	}
	j, err = a.flow.Reject(r.Context(), j.TenantID, j.ID, reason, caller(r.Context()).actor())
	a.writeDecision(w, r, j, err, "rejected")
}

// writeDecision answers an approval or rejection: the job, or a conflict
// that says which status allows the decision.
func (a *API) writeDecision(w http.ResponseWriter, r *http.Request, j job.Job, err error, what string) {
	if errors.Is(err, job.ErrTransition) {
		err = errConflict(fmt.Sprintf("The job is %s; only a job whose proof is ready (proof_generated) can be %s. "+
			"Wait for the proof_generated event, or read the job's status with GET /api/jobs/%s.", j.Status, what, j.ID))
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJob(w, r, http.StatusOK, j)
}
