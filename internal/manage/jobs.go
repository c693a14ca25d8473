package manage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

const jobsPerPage = 50

func (m *Manage) jobs(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	search, status := strings.TrimSpace(q.Get("q")), job.Status(q.Get("status"))
	if id.HasPrefix(search, id.Job) {
		return redirect(w, r, "/manage/jobs/"+url.PathEscape(search)) // a job id pasted into the search
	}
	if status != "" && !status.Valid() {
		status = ""
	}
	js, err := m.st.ListJobs(r.Context(), store.ListJobsParams{TenantID: c.user.TenantID, Livemode: c.live,
		ExternalID: search, Status: status, After: q.Get("after"), Limit: jobsPerPage})
	if err != nil {
		return err
	}
	next := ""
	if len(js) == jobsPerPage {
		v := url.Values{"after": {js[len(js)-1].ID}}
		if search != "" {
			v.Set("q", search)
		}
		if status != "" {
			v.Set("status", string(status))
		}
		next = "/manage/jobs?" + v.Encode()
	}
	return m.render(w, r, c, http.StatusOK, "jobs", map[string]any{
		"Title": "Jobs", "Jobs": js, "Query": search, "Status": string(status), "Statuses": job.Statuses,
		"Next": next, "Paged": q.Get("after") != "",
	})
}

// eventView is one event of the timeline with its deliveries.
type eventView struct {
	Event      job.Event
	Deliveries []deliveryView
	// By names who caused the event in words ("the customer", "API key
	// “erp” (key_…)", "operator ann@example.com"); "" when nobody did.
	By string
	// NotSent says why an event without a delivery was not sent.
	NotSent string
}

// deliveryView is a delivery with every attempt made.
type deliveryView struct {
	Delivery store.Delivery
	Attempts []store.Attempt
}

func (m *Manage) jobPage(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	j, err := m.st.Job(ctx, tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	t, err := m.st.Tenant(ctx, tenant)
	if err != nil {
		return err
	}
	timeline, err := m.timeline(ctx, j, t.Settings)
	if err != nil {
		return err
	}
	data := map[string]any{
		"Title": "Job " + j.ExternalID, "Job": j, "Timeline": timeline,
		"UploadURL": j.UploadURL(m.d.PublicURL), "CanCancel": !j.Status.Final(),
		"CanRefetch":    j.ArtworkFetch == store.FetchFailed && !j.Status.Final(),
		"CanRetryProof": j.ProofGivenUp(),
		// A job's own empty choice sends nothing; no choice follows Settings.
		"EventsChosen": j.Events != nil,
	}
	vs, err := m.st.ListArtworkVersions(ctx, tenant, j.ID)
	if err != nil {
		return err
	}
	data["Versions"] = m.versionViews(ctx, tenant, vs)
	if data["Logo"], err = m.jobLogo(ctx, j); err != nil {
		return err
	}
	if j.CallbackURL == "" {
		data["DefaultCallback"] = t.Settings.CallbackURL
	}
	return m.render(w, r, c, http.StatusOK, "job", data)
}

// timeline returns a job's events, newest first, each with its deliveries
// and their attempts, who caused it, and why it was not sent when it was
// not (the job's or tenant's events, ts, do not include it, or there is no
// callback URL).
func (m *Manage) timeline(ctx context.Context, j job.Job, ts store.TenantSettings) ([]eventView, error) {
	tenant := j.TenantID
	events, err := m.st.ListEvents(ctx, tenant, j.ID)
	if err != nil {
		return nil, err
	}
	ds, err := m.st.ListDeliveries(ctx, tenant, j.ID)
	if err != nil {
		return nil, err
	}
	byDelivery, err := m.st.ListJobAttempts(ctx, tenant, j.ID)
	if err != nil {
		return nil, err
	}
	byEvent := map[string][]deliveryView{}
	for _, d := range ds {
		byEvent[d.EventID] = append(byEvent[d.EventID], deliveryView{Delivery: d, Attempts: byDelivery[d.ID]})
	}
	names, err := m.actorNames(ctx, tenant, events)
	if err != nil {
		return nil, err
	}
	out := make([]eventView, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		v := eventView{Event: e, Deliveries: byEvent[e.ID], By: names(e.Actor)}
		if len(v.Deliveries) == 0 {
			switch {
			case !e.Type.Sent(j.Events, ts.Events):
				v.NotSent = "Not sent: the events chosen for this job (or, without its own choice, the tenant's) do not include " + string(e.Type) + "."
			case j.CallbackURL == "" && ts.CallbackURL == "":
				v.NotSent = "Not sent: neither the job nor the tenant has a callback URL."
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// actorNames returns how the timeline names who caused an event, reading
// the tenant's keys and operators only when an event names one.
func (m *Manage) actorNames(ctx context.Context, tenant string, events []job.Event) (func(job.Actor) string, error) {
	keys, users := map[string]string{}, map[string]string{}
	for _, e := range events {
		switch {
		case e.Actor.Kind == job.ActorAPIKey && len(keys) == 0:
			ks, err := m.st.ListAPIKeys(ctx, tenant)
			if err != nil {
				return nil, err
			}
			for _, k := range ks {
				keys[k.ID] = k.Name
			}
		case e.Actor.Kind == job.ActorOperator && len(users) == 0:
			us, err := m.st.ListUsers(ctx, tenant)
			if err != nil {
				return nil, err
			}
			for _, u := range us {
				users[u.ID] = u.Email
			}
		}
	}
	return func(a job.Actor) string {
		switch a.Kind {
		case job.ActorCustomer:
			return "the customer"
		case job.ActorAPIKey:
			if name, ok := keys[a.ID]; ok {
				return fmt.Sprintf("API key “%s” (%s)", name, a.ID)
			}
			return "API key " + a.ID
		case job.ActorOperator:
			if email, ok := users[a.ID]; ok {
				return "operator " + email
			}
			return "an operator"
		}
		return ""
	}, nil
}

func (m *Manage) cancelJob(w http.ResponseWriter, r *http.Request, c *call) error {
	jobID := r.PathValue("id")
	j, err := m.d.Workflow.Cancel(r.Context(), c.user.TenantID, jobID, job.Actor{Kind: job.ActorOperator, ID: c.user.ID})
	if errors.Is(err, job.ErrTransition) {
		m.errorPage(w, r, c, http.StatusConflict, "This job cannot be cancelled",
			fmt.Sprintf("The job is %s: that is final, so it can no longer be cancelled.", statusLabel(j.Status)))
		return nil
	}
	if err != nil {
		return err
	}
	m.audit(r.Context(), c, "job.cancel", j.ID, j.ExternalID)
	return redirect(w, r, withDone("/manage/jobs/"+url.PathEscape(j.ID), "cancelled"))
}

// refetch asks the pipeline to fetch a job's artwork URL again, after the
// file's owner fixed whatever made the fetch fail.
func (m *Manage) refetch(w http.ResponseWriter, r *http.Request, c *call) error {
	j, err := m.d.Workflow.Refetch(r.Context(), c.user.TenantID, r.PathValue("id"))
	if errors.Is(err, store.ErrStale) {
		m.errorPage(w, r, c, http.StatusConflict, "Nothing to fetch again",
			"Only a job that is still open and whose artwork could not be fetched can be fetched again.")
		return nil
	}
	if err != nil {
		return err
	}
	// Not the URL in the log: artwork URLs often carry access tokens.
	m.audit(r.Context(), c, "job.refetch", j.ID, j.ExternalID)
	return redirect(w, r, withDone(localPath(r.PostFormValue("back"), "/manage/jobs/"+url.PathEscape(j.ID)), "refetch"))
}

// retryProof has the pipeline make a proof it gave up on again, once an
// operator has dealt with the cause (memory, a full disk, a renderer fix).
func (m *Manage) retryProof(w http.ResponseWriter, r *http.Request, c *call) error {
	j, err := m.d.Workflow.RetryProof(r.Context(), c.user.TenantID, r.PathValue("id"))
	if errors.Is(err, store.ErrStale) {
		m.errorPage(w, r, c, http.StatusConflict, "No proof to make again",
			"Only a job whose proof could not be made, and that is still waiting in preflight passed, can have it made again. Someone may have done it already: reload the job's page.")
		return nil
	}
	if err != nil {
		return err
	}
	m.audit(r.Context(), c, "job.retry_proof", j.ID, j.ExternalID)
	return redirect(w, r, withDone(localPath(r.PostFormValue("back"), "/manage/jobs/"+url.PathEscape(j.ID)), "reproof"))
}
