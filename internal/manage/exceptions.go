package manage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// exceptionView is a delivery that failed for good, with its job.
type exceptionView struct {
	Delivery store.Delivery
	Job      store.Job
}

// urlGroup is a callback URL with its count of open exceptions, for
// "retry all" once its receiver is fixed.
type urlGroup struct {
	URL   string
	Count int
}

const exceptionsPerPage = 200

func (m *Manage) exceptions(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	ds, err := m.st.ListExceptions(ctx, store.ListExceptionsParams{TenantID: tenant, Livemode: c.live, Limit: exceptionsPerPage})
	if err != nil {
		return err
	}
	var ids []string
	for _, d := range ds {
		if d.JobID != "" {
			ids = append(ids, d.JobID)
		}
	}
	js, err := m.st.ListJobsByID(ctx, tenant, ids)
	if err != nil {
		return err
	}
	jobs := map[string]store.Job{}
	for _, j := range js {
		jobs[j.ID] = j
	}
	counts := map[string]int{}
	views := make([]exceptionView, 0, len(ds))
	for _, d := range ds {
		counts[d.URL]++
		views = append(views, exceptionView{Delivery: d, Job: jobs[d.JobID]})
	}
	groups := make([]urlGroup, 0, len(counts))
	for u, n := range counts {
		groups = append(groups, urlGroup{URL: u, Count: n})
	}
	slices.SortFunc(groups, func(a, b urlGroup) int { return strings.Compare(a.URL, b.URL) })
	limit := store.FailedJobsParams{TenantID: tenant, Livemode: c.live, Limit: exceptionsPerPage}
	fetch, err := m.st.ListFetchFailures(ctx, limit)
	if err != nil {
		return err
	}
	failed, err := m.st.ListProofFailures(ctx, limit)
	if err != nil {
		return err
	}
	proof, err := m.proofFailures(ctx, tenant, failed)
	if err != nil {
		return err
	}
	return m.render(w, r, c, http.StatusOK, "exceptions", map[string]any{
		"Title": "Workflow exceptions", "Exceptions": views, "Groups": groups,
		"FetchFailures": fetch, "ProofFailures": proof,
	})
}

// redeliver starts a new round of attempts for one delivery.
func (m *Manage) redeliver(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	d, err := m.st.Delivery(ctx, tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if d.JobID == "" {
		m.errorPage(w, r, c, http.StatusConflict, "Test pings are not sent again",
			"Send a new test ping from Settings instead.")
		return nil
	}
	d, err = m.d.Workflow.Redeliver(ctx, tenant, d.ID)
	if err != nil {
		return err
	}
	m.audit(ctx, c, "delivery.redeliver", d.ID, fmt.Sprintf("event %d of %s to %s", d.Sequence, d.JobID, d.URL))
	return redirect(w, r, withDone(localPath(r.PostFormValue("back"), "/manage/exceptions"), "redelivered"))
}

// maxNote bounds a resolution note: it is a remark, not a document.
const maxNote = 500

// resolve closes an exception without delivering it.
func (m *Manage) resolve(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	note := strings.TrimSpace(r.PostFormValue("note"))
	if note == "" || utf8.RuneCountInString(note) > maxNote {
		m.errorPage(w, r, c, http.StatusUnprocessableEntity, "A note is needed",
			fmt.Sprintf("Say in a few words (up to %d characters) why the exception is closed without delivery, "+
				"for example \"order re-entered in the ERP by hand\".", maxNote))
		return nil
	}
	if err := job.CheckLine(note); err != nil {
		m.errorPage(w, r, c, http.StatusUnprocessableEntity, "The note cannot be saved", "The note "+err.Error()+".")
		return nil
	}
	d, err := m.d.Workflow.Resolve(ctx, tenant, r.PathValue("id"), note)
	if errors.Is(err, store.ErrStale) {
		m.errorPage(w, r, c, http.StatusConflict, "Already handled",
			"This delivery is no longer an open exception: someone resolved or retried it meanwhile.")
		return nil
	}
	if err != nil {
		return err
	}
	m.audit(ctx, c, "delivery.resolve", d.ID, note)
	return redirect(w, r, withDone(localPath(r.PostFormValue("back"), "/manage/exceptions"), "resolved"))
}

// retryAll redelivers the open exceptions to one callback URL, the
// oldest workflow.MaxRetryAll of them.
func (m *Manage) retryAll(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, target := r.Context(), r.PostFormValue("url")
	n, err := m.d.Workflow.RetryAll(ctx, workflow.RetryAllParams{TenantID: c.user.TenantID, Livemode: c.live, URL: target})
	if n > 0 || err == nil { // what was done is recorded even when the rest failed
		m.audit(ctx, c, "delivery.retry_all", target, fmt.Sprintf("%d deliveries", n))
	}
	if err != nil {
		return err
	}
	return redirect(w, r, withDone("/manage/exceptions", "retried"))
}

// proofFailureView is a job whose proof was given up, with whose fault it
// was: an operator acts differently on a storage outage (fix it, then make
// the proofs again) than on a file the renderer cannot read (ask the
// customer for a new export).
type proofFailureView struct {
	job.Job
	// Submit's fault (PROOF_SERVICE_FAILED) rather than the file's.
	OurFault bool
	Message  string
}

func (m *Manage) proofFailures(ctx context.Context, tenant string, jobs []store.Job) ([]proofFailureView, error) {
	ids := make([]string, 0, len(jobs))
	for _, j := range jobs {
		if j.CurrentVersionID != "" {
			ids = append(ids, j.CurrentVersionID)
		}
	}
	// One read for all the jobs' current versions, not one per job.
	vs, err := m.st.ArtworkVersionsByID(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	current := make(map[string]store.ArtworkVersion, len(vs))
	for _, v := range vs {
		current[v.ID] = v
	}
	out := make([]proofFailureView, 0, len(jobs))
	for _, j := range jobs {
		v := proofFailureView{Job: j}
		for _, f := range current[j.CurrentVersionID].Errors {
			if f.Code == workflow.CodeProofFailed || f.Code == workflow.CodeProofServiceFailed {
				v.OurFault, v.Message = f.Code == workflow.CodeProofServiceFailed, f.Message
			}
		}
		out = append(out, v)
	}
	return out, nil
}
