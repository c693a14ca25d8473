package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/atomyx/submit/internal/i18n"
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
	p := w.language(rw, r, &j)
	reason, problem := checkReason(p, r.PostFormValue("reason"))
	if problem != "" {
		v, err := w.jobView(r.Context(), j, p, false)
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

// charKinds are the catalogue keys of job.ControlKind's kinds.
var charKinds = map[string]string{
	"a line break": "refuse.char.lineBreak", "a tab": "refuse.char.tab",
	"a control character": "refuse.char.control", "a bidirectional control character": "refuse.char.bidi",
}

// checkReason returns the reason as the workflow stores it and, in the
// customer's words in p's language, what is wrong with it, or "".
func checkReason(p *i18n.Printer, s string) (reason, problem string) {
	reason, err := workflow.CleanReason(s)
	var te *job.TextError
	switch {
	case err == nil:
		return reason, ""
	case errors.As(err, &te) && te.Kind == "":
		return reason, p.T("refuse.reasonNotUTF8", "at", te.At)
	case errors.As(err, &te):
		return reason, p.T("refuse.reasonChar", "kind", p.T(charKinds[te.Kind]), "char", fmt.Sprintf("U+%04X", te.Rune), "at", te.At)
	case reason == "":
		return reason, p.T("refuse.reasonMissing")
	}
	return reason, p.T("refuse.reasonTooLong", "n", maxReason)
}

// actionFailed answers an approve or reject that the workflow refused: most
// often the job moved on in another tab.
func (w *Web) actionFailed(rw http.ResponseWriter, r *http.Request, err error, what string) {
	if errors.Is(err, workflow.ErrReason) {
		w.refuse(rw, r, http.StatusUnprocessableEntity, "refuse.reason")
		return
	}
	if errors.Is(err, workflow.ErrNoChoice) {
		w.refuse(rw, r, http.StatusConflict, "refuse.noUnchanged")
		return
	}
	if errors.Is(err, job.ErrTransition) {
		w.refuse(rw, r, http.StatusConflict, "refuse.movedOn."+what)
		return
	}
	w.unavailable(rw, r, err)
}
