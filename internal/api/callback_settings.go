package api

import (
	"net/http"

	"github.com/atomyx/submit/internal/job"
)

// callbackSettingsResponse is the tenant's callback settings as the API
// shows them: where callbacks of jobs without their own URL go, and which
// event types are sent for jobs without their own subscription.
type callbackSettingsResponse struct {
	Object      string  `json:"object"`
	CallbackURL *string `json:"callbackURL"`
	// Events is what is sent: the tenant's choice, or the default.
	Events []job.EventType `json:"events"`
	// Default tells that Events is the default (no choice made), which
	// grows when Submit adds an event type.
	Default bool `json:"default"`
}

func settingsResponse(url string, events []job.EventType) callbackSettingsResponse {
	r := callbackSettingsResponse{Object: "callback_settings", Events: events}
	if url != "" {
		r.CallbackURL = &url
	}
	if events == nil {
		r.Events, r.Default = job.DefaultEvents, true
	}
	return r
}

// callbackSettings handles GET /api/callbacks/settings.
func (a *API) callbackSettings(w http.ResponseWriter, r *http.Request) {
	t, err := a.store.Tenant(r.Context(), caller(r.Context()).TenantID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsResponse(t.Settings.CallbackURL, t.Settings.Events))
}

// updateCallbackSettings handles PATCH /api/callbacks/settings, a merge
// patch of {"events"}: an array of event types, or null for the default.
// The default callback URL is set in Manage (Settings), where an operator
// can send a test ping to it at once.
func (a *API) updateCallbackSettings(w http.ResponseWriter, r *http.Request) {
	v, p := readJSON(w, r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	var c checker
	root, ok := c.object("", v, "events")
	if !ok {
		writeProblem(w, r, errValidation(c.errs))
		return
	}
	raw, present := root["events"]
	if !present {
		c.add("/events", `is the only setting here: send {"events": [...]} or {"events": null} for the default`)
	}
	var chosen []job.EventType
	if raw != nil {
		chosen = events(&c, "/events", raw)
	}
	if len(c.errs) > 0 {
		writeProblem(w, r, errValidation(c.errs))
		return
	}
	t, err := a.vault.SetEvents(r.Context(), caller(r.Context()).TenantID, chosen)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsResponse(t.Settings.CallbackURL, t.Settings.Events))
}
