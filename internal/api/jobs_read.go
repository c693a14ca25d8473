package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// loadJob finds the caller's job named in the path. A job of another tenant
// is "not found", never "forbidden": its existence is not the caller's to
// know. A job of the caller's tenant in the other mode is not found either,
// but the detail says so, as Stripe does, because mixing keys up is common.
func (a *API) loadJob(r *http.Request) (job.Job, error) {
	c := caller(r.Context())
	jobID := r.PathValue("id")
	if !id.HasPrefix(jobID, id.Job) {
		return job.Job{}, errNotFound(fmt.Sprintf("%q is not a job id; job ids start with ses_ and have 30 characters.", clip(jobID, 40)))
	}
	j, err := a.store.Job(r.Context(), c.TenantID, jobID)
	if errors.Is(err, store.ErrNotFound) {
		return j, errNotFound(fmt.Sprintf("No job %s. Check the id, and that the key belongs to the tenant that created the job.", jobID))
	}
	if err != nil {
		return j, err
	}
	if j.Livemode != c.Livemode {
		other, this := "live", "test"
		if c.Livemode {
			other, this = "test", "live"
		}
		return job.Job{}, errNotFound(fmt.Sprintf("No job %s in %s mode; a job with this id exists in %s mode. Use a %s key (sk_%s_…) to see it.",
			jobID, this, other, other, other))
	}
	return j, nil
}

// getJob handles GET /api/jobs/{id}.
func (a *API) getJob(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJob(w, r, http.StatusOK, j)
}

// cancelJob handles POST /api/jobs/{id}/cancel.
func (a *API) cancelJob(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	j, err = a.flow.Cancel(r.Context(), j.TenantID, j.ID, caller(r.Context()).actor())
	if errors.Is(err, job.ErrTransition) {
		err = errConflict(fmt.Sprintf("The job is %s and can no longer be cancelled.", j.Status))
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJob(w, r, http.StatusOK, j)
}

// listJobs handles GET /api/jobs.
func (a *API) listJobs(w http.ResponseWriter, r *http.Request) {
	c := caller(r.Context())
	q := r.URL.Query()
	p := store.ListJobsParams{TenantID: c.TenantID, Livemode: c.Livemode, ExternalID: q.Get("externalId"), Limit: 20}
	var bad []string
	if s := q.Get("status"); s != "" {
		p.Status = job.Status(s)
		if !p.Status.Valid() {
			bad = append(bad, fmt.Sprintf("status %q is not a job status; use one of %v", clip(s, 30), job.Statuses))
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			bad = append(bad, fmt.Sprintf("limit %q must be a whole number from 1 to 100", clip(s, 30)))
		}
		p.Limit = n
	}
	if s := q.Get("cursor"); s != "" {
		after, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || !id.HasPrefix(string(after), id.Job) {
			bad = append(bad, "cursor is not one this API returned; pass nextCursor from the previous page unchanged")
		}
		p.After = string(after)
	}
	if len(bad) > 0 {
		writeProblem(w, r, problem(http.StatusBadRequest, "invalid-parameter", "Invalid query parameter", strings.Join(bad, ". ")+"."))
		return
	}
	want := p.Limit
	p.Limit++ // one more than asked tells whether there is another page
	jobs, err := a.store.ListJobs(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	resp := listResponse[jobResponse]{Object: "list", Data: []jobResponse{}}
	if len(jobs) > want {
		jobs = jobs[:want]
		resp.HasMore = true
		resp.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(jobs[len(jobs)-1].ID))
	}
	for _, j := range jobs {
		jr, err := a.fullJobResponse(r.Context(), j)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		resp.Data = append(resp.Data, jr)
	}
	writeJSON(w, http.StatusOK, resp)
}

// listEvents handles GET /api/jobs/{id}/events: every event of the job, in
// the shape of the callback body, for reconciling missed callbacks.
func (a *API) listEvents(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	events, err := a.store.ListEvents(r.Context(), j.TenantID, j.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	resp := listResponse[callback.Payload]{Object: "list", Data: []callback.Payload{}}
	for _, e := range events {
		resp.Data = append(resp.Data, callback.NewPayload(e, 0, a.files(e)))
	}
	writeJSON(w, http.StatusOK, resp)
}
