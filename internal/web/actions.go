package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// maxReason bounds a rejection reason: it travels in a callback.
const maxReason = workflow.MaxReasonLength

// approve is POST /u/{token}/approve. Approving an approved job again (a
// double click, a second tab) shows the same thank-you page. print=unchanged
// approves the file without the fixes Submit offered, whose proof the
// page showed with that choice.
func (w *Web) approve(rw http.ResponseWriter, r *http.Request) {
	j, ok := w.openJob(rw, r)
	if !ok {
		return
	}
	if j.Status != job.Approved {
		approve := w.d.Workflow.Approve
		if r.PostFormValue("print") == printUnchanged {
			approve = w.d.Workflow.ApproveUnchanged
		}
		if _, err := approve(r.Context(), j.TenantID, j.ID, job.Actor{Kind: job.ActorCustomer}); err != nil {
			w.actionFailed(rw, r, err, "approve")
			return
		}
	}
	http.Redirect(rw, r, "/u/"+j.UploadToken, http.StatusSeeOther)
}

// reject is POST /u/{token}/reject with the customer's reason, which the
// ERP receives in the rejected callback.
func (w *Web) reject(rw http.ResponseWriter, r *http.Request) {
	j, ok := w.openJob(rw, r)
	if !ok {
		return
	}
	reason, problem := checkReason(r.PostFormValue("reason"))
	if problem != "" {
		v, err := w.jobView(r.Context(), j, w.language(rw, r, &j), false)
		if err != nil {
			w.unavailable(rw, r, err)
			return
		}
		v.CSRF, v.FormError, v.Draft = w.csrfToken(rw, r), problem, reason
		w.render(rw, r, http.StatusUnprocessableEntity, v)
		return
	}
	if _, err := w.d.Workflow.Reject(r.Context(), j.TenantID, j.ID, reason, job.Actor{Kind: job.ActorCustomer}); err != nil {
		w.actionFailed(rw, r, err, "reject")
		return
	}
	http.Redirect(rw, r, "/u/"+j.UploadToken, http.StatusSeeOther)
}

// checkReason returns the reason as the workflow stores it and, in the
// customer's words, what is wrong with it, or "".
func checkReason(s string) (reason, problem string) {
	reason, err := workflow.CleanReason(s)
	var te *job.TextError
	switch {
	case err == nil:
		return reason, ""
	case errors.As(err, &te):
		return reason, "The reason " + te.Error() + "."
	case reason == "":
		return reason, "Tell us what should change, so that the printer can help."
	}
	return reason, "Keep the reason under " + formatCount(maxReason) + " characters."
}

// formatCount writes n with thousands separators, as people read it.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// actionFailed answers an approve or reject that the workflow refused: most
// often the job moved on in another tab.
func (w *Web) actionFailed(rw http.ResponseWriter, r *http.Request, err error, what string) {
	if errors.Is(err, workflow.ErrReason) {
		w.refuse(rw, r, http.StatusUnprocessableEntity, "Say in a few words what should change, then send the request again.")
		return
	}
	if errors.Is(err, workflow.ErrNoChoice) {
		w.refuse(rw, r, http.StatusConflict, "There is no unchanged file to approve for this proof. Open your link again and approve the proof shown.")
		return
	}
	if errors.Is(err, job.ErrTransition) {
		w.refuse(rw, r, http.StatusConflict, "This proof can no longer be "+what+"d: the order has moved on meanwhile. Open your link again to see where it stands.")
		return
	}
	w.unavailable(rw, r, err)
}
