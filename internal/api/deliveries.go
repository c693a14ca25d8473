package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
)

// deliveryResponse is a callback delivery as the API shows it: where it
// goes, where it stands and, when asked for, every attempt.
type deliveryResponse struct {
	ID            string     `json:"id"`
	Object        string     `json:"object"`
	JobID         *string    `json:"jobId"`
	EventID       *string    `json:"eventId"`
	Sequence      int64      `json:"sequence"`
	URL           string     `json:"url"`
	State         string     `json:"state"`
	Livemode      bool       `json:"livemode"`
	AttemptCount  int        `json:"attemptCount"`
	AttemptsLeft  int        `json:"attemptsLeft"`
	NextAttemptAt *time.Time `json:"nextAttemptAt"`
	LastStatus    *int       `json:"lastStatus"`
	LastError     *string    `json:"lastError"`
	CreatedAt     time.Time  `json:"createdAt"`
	DeliveredAt   *time.Time `json:"deliveredAt"`
	FailedAt      *time.Time `json:"failedAt"`
	ResolvedAt    *time.Time `json:"resolvedAt"`
	ResolvedNote  *string    `json:"resolvedNote"`
	// Attempts is listed only by GET /api/jobs/{id}/deliveries.
	Attempts []attemptResponse `json:"attempts,omitempty"`
}

// attemptResponse is one try at a delivery.
type attemptResponse struct {
	Number     int       `json:"number"`
	StartedAt  time.Time `json:"startedAt"`
	DurationMs int64     `json:"durationMs"`
	StatusCode *int      `json:"statusCode"`
	Response   string    `json:"response"`
	Error      *string   `json:"error"`
}

func newDeliveryResponse(d store.Delivery, attempts []store.Attempt) deliveryResponse {
	r := deliveryResponse{
		ID: d.ID, Object: "delivery", JobID: optional(d.JobID), EventID: optional(d.EventID), Sequence: d.Sequence,
		URL: d.URL, State: d.State, Livemode: d.Livemode, AttemptCount: d.Attempts, AttemptsLeft: d.AttemptsLeft,
		LastError: optional(d.LastError), CreatedAt: seconds(d.CreatedAt), DeliveredAt: optionalTime(d.DeliveredAt),
		FailedAt: optionalTime(d.FailedAt), ResolvedAt: optionalTime(d.ResolvedAt), ResolvedNote: optional(d.ResolvedNote),
	}
	if d.State == store.DeliveryPending {
		r.NextAttemptAt = optionalTime(&d.NextAttemptAt)
	}
	if d.LastStatus != 0 {
		r.LastStatus = &d.LastStatus
	}
	for _, a := range attempts {
		ar := attemptResponse{Number: a.Number, StartedAt: seconds(a.StartedAt), DurationMs: a.Duration.Milliseconds(),
			Response: a.Response, Error: optional(a.Error)}
		if a.StatusCode != 0 {
			ar.StatusCode = &a.StatusCode
		}
		r.Attempts = append(r.Attempts, ar)
	}
	return r
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optionalTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	s := seconds(*t)
	return &s
}

// listDeliveries handles GET /api/jobs/{id}/deliveries: every callback of
// the job with every attempt, for an ERP that wants to see what it was sent.
func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ds, err := a.store.ListDeliveries(r.Context(), j.TenantID, j.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	attempts, err := a.store.ListJobAttempts(r.Context(), j.TenantID, j.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	resp := listResponse[deliveryResponse]{Object: "list", Data: []deliveryResponse{}}
	for _, d := range ds {
		dr := newDeliveryResponse(d, attempts[d.ID])
		if dr.Attempts == nil {
			dr.Attempts = []attemptResponse{} // listed, and none yet
		}
		resp.Data = append(resp.Data, dr)
	}
	writeJSON(w, http.StatusOK, resp)
}

// maxExceptions is how many exceptions one list shows.
const maxExceptions = 100

// listExceptions handles GET /api/exceptions: deliveries that failed for
// good and wait for a person, oldest first, optionally for one URL.
func (a *API) listExceptions(w http.ResponseWriter, r *http.Request) {
	c := caller(r.Context())
	ds, err := a.store.ListExceptions(r.Context(), store.ListExceptionsParams{
		TenantID: c.TenantID, Livemode: c.Livemode, URL: r.URL.Query().Get("url"), Limit: maxExceptions + 1,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	resp := listResponse[deliveryResponse]{Object: "list", Data: []deliveryResponse{}}
	if len(ds) > maxExceptions {
		// The oldest come first; resolving or redelivering them brings
		// the rest into view, so the list needs no cursor.
		ds, resp.HasMore = ds[:maxExceptions], true
	}
	for _, d := range ds {
		resp.Data = append(resp.Data, newDeliveryResponse(d, nil))
	}
	writeJSON(w, http.StatusOK, resp)
}

// loadDelivery finds the caller's delivery named in the path.
func (a *API) loadDelivery(r *http.Request) (store.Delivery, error) {
	c := caller(r.Context())
	did := r.PathValue("id")
	notFound := errNotFound(fmt.Sprintf("No delivery %q. Delivery ids start with del_; list a job's with GET /api/jobs/{id}/deliveries.", clip(did, 40)))
	if !id.HasPrefix(did, id.Delivery) {
		return store.Delivery{}, notFound
	}
	d, err := a.store.Delivery(r.Context(), c.TenantID, did)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.Livemode != c.Livemode) {
		return store.Delivery{}, notFound
	}
	return d, err
}

// redeliver handles POST /api/deliveries/{id}/redeliver: a new round of
// attempts on the full schedule, the first one now.
func (a *API) redeliver(w http.ResponseWriter, r *http.Request) {
	d, err := a.loadDelivery(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	d, err = a.flow.Redeliver(r.Context(), d.TenantID, d.ID)
	if errors.Is(err, store.ErrStale) {
		err = errConflict("A test ping is never sent again; send a new one with POST /api/callbacks/ping.")
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newDeliveryResponse(d, nil))
}

// resolveDelivery handles POST /api/deliveries/{id}/resolve: an exception
// closed by a person, with a note saying why.
func (a *API) resolveDelivery(w http.ResponseWriter, r *http.Request) {
	d, err := a.loadDelivery(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	fields, p := decodeSmallBody(w, r, "note")
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	var c checker
	note := ""
	if v := fields["note"]; v != nil {
		note, _ = c.str("/note", v, 0, 1000)
	}
	if len(c.errs) > 0 {
		writeProblem(w, r, errValidation(c.errs))
		return
	}
	d, err = a.flow.Resolve(r.Context(), d.TenantID, d.ID, note)
	if errors.Is(err, store.ErrStale) {
		err = errConflict("Only a delivery that failed for good (a workflow exception) can be resolved.")
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newDeliveryResponse(d, nil))
}

// pingResponse is the outcome of a test ping.
type pingResponse struct {
	Delivery   deliveryResponse `json:"delivery"`
	OK         bool             `json:"ok"`
	StatusCode *int             `json:"statusCode"`
	Response   string           `json:"response"`
	DurationMs int64            `json:"durationMs"`
	Error      *string          `json:"error"`
}

// ping handles POST /api/callbacks/ping: sends a signed test callback
// (event_type "ping") to the given URL, or the tenant's default callback URL,
// and answers with what the receiver said.
func (a *API) ping(w http.ResponseWriter, r *http.Request) {
	c := caller(r.Context())
	fields, p := decodeSmallBody(w, r, "url")
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	url := ""
	if v := fields["url"]; v != nil {
		var c checker
		if url, _ = c.str("/url", v, 1, netguard.MaxURLLength); len(c.errs) > 0 {
			writeProblem(w, r, errValidation(c.errs))
			return
		}
	}
	if url == "" {
		t, err := a.store.Tenant(r.Context(), c.TenantID)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		url = t.Settings.CallbackURL
		if url == "" {
			writeProblem(w, r, errValidation([]FieldError{{Pointer: "/url", Detail: "is required: the tenant has no default callback URL, so name the URL to ping"}}))
			return
		}
	}
	if _, err := netguard.ValidateURL(url, a.validator.allowInsecure); err != nil {
		writeProblem(w, r, errValidation([]FieldError{{Pointer: "/url", Detail: err.Error()}}))
		return
	}
	if a.callbacks == nil {
		a.writeError(w, r, errors.New("ping: no callback worker"))
		return
	}
	d, res, err := a.callbacks.Ping(r.Context(), callback.PingParams{TenantID: c.TenantID, Livemode: c.Livemode, URL: url})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := pingResponse{Delivery: newDeliveryResponse(d, nil), OK: res.OK(), Response: res.Response,
		DurationMs: res.Duration.Milliseconds(), Error: optional(res.Error)}
	if res.StatusCode != 0 {
		out.StatusCode = &res.StatusCode
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeSmallBody reads an optional JSON object body whose members may only
// be the known ones, and returns its members. An empty body is an empty
// object, so that POSTs with nothing to say need no body.
func decodeSmallBody(w http.ResponseWriter, r *http.Request, known ...string) (map[string]any, *Problem) {
	if r.ContentLength == 0 {
		return nil, nil
	}
	body, p := readJSONBody(w, r)
	if p != nil {
		return nil, p
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	v, p := parseJSON(body)
	if p != nil {
		return nil, p
	}
	var c checker
	m, _ := c.object("", v, known...)
	if len(c.errs) > 0 {
		return nil, errValidation(c.errs)
	}
	return m, nil
}
