package manage

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
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
	js, err := m.st.JobsByID(ctx, tenant, ids)
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
	fetch, err := m.ops.FetchFailures(ctx, limit)
	if err != nil {
		return err
	}
	proof, err := m.ops.ProofFailures(ctx, limit)
	if err != nil {
		return err
	}
	return m.render(w, r, c, http.StatusOK, "exceptions", map[string]any{
		"Title": "Workflow exceptions", "Exceptions": views, "Groups": groups,
		"FetchFailures": fetch, "ProofFailures": proof,
		"CanRefetch": m.fetchSetter() != nil,
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
	d, err = m.st.Redeliver(ctx, store.RedeliverParams{TenantID: tenant, DeliveryID: d.ID, At: m.now(), Attempts: m.d.Attempts})
	if err != nil {
		return err
	}
	if m.d.Notify != nil {
		m.d.Notify()
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
	d, err := m.st.ResolveDelivery(ctx, store.ResolveParams{TenantID: tenant, DeliveryID: r.PathValue("id"), Note: note, At: m.now()})
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

// retryAll redelivers every open exception to one callback URL.
func (m *Manage) retryAll(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	target := r.PostFormValue("url")
	ds, err := m.st.ListExceptions(ctx, store.ListExceptionsParams{TenantID: tenant, Livemode: c.live, URL: target, Limit: 1000})
	if err != nil {
		return err
	}
	n := 0
	for _, d := range ds {
		if d.JobID == "" {
			continue
		}
		if _, err = m.st.Redeliver(ctx, store.RedeliverParams{TenantID: tenant, DeliveryID: d.ID, At: m.now(), Attempts: m.d.Attempts}); err != nil {
			err = fmt.Errorf("retry all to %s, after %d: %w", target, n, err)
			break
		}
		n++
	}
	if n > 0 && m.d.Notify != nil {
		m.d.Notify()
	}
	if n > 0 || err == nil { // what was done is recorded even when the rest failed
		m.audit(ctx, c, "delivery.retry_all", target, fmt.Sprintf("%d deliveries", n))
	}
	if err != nil {
		return err
	}
	return redirect(w, r, withDone("/manage/exceptions", "retried"))
}
