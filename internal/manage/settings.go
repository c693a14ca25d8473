package manage

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
)

// settingsForm is the settings form as typed, so that a refused form comes
// back with what the operator wrote.
type settingsForm struct {
	CallbackURL, Color, Logo, Profile string
	// Locale is the customer page's language when neither the job nor
	// the customer's browser names one we have; "" for English.
	Locale string
	// Events are the event types ticked: the tenant's choice, or the
	// default when it made none.
	Events []job.EventType
}

func formOf(s store.TenantSettings) settingsForm {
	f := settingsForm{CallbackURL: s.CallbackURL, Profile: s.PreflightProfile, Events: s.Events, Locale: s.Locale}
	if f.Events == nil {
		f.Events = job.DefaultEvents
	}
	if s.Brand != nil {
		f.Color, f.Logo = s.Brand.Color, s.Brand.Logo
	}
	return f
}

func (m *Manage) settingsPage(w http.ResponseWriter, r *http.Request, c *call) error {
	t, err := m.st.Tenant(r.Context(), c.user.TenantID)
	if err != nil {
		return err
	}
	return m.renderSettings(w, r, c, http.StatusOK, formOf(t.Settings), nil, nil)
}

// savedLogo is the check of the saved default logo, shown under its field.
func (m *Manage) savedLogo(ctx context.Context, tenantID string) (*logoView, error) {
	t, err := m.st.Tenant(ctx, tenantID)
	if err != nil || t.Settings.Brand == nil {
		return nil, err
	}
	return m.logoOf(ctx, tenantID, t.Settings.Brand.Logo)
}

func (m *Manage) renderSettings(w http.ResponseWriter, r *http.Request, c *call, status int, f settingsForm,
	problems map[string]string, ping map[string]any) error {
	logo, err := m.savedLogo(r.Context(), c.user.TenantID)
	if err != nil {
		return err
	}
	return m.render(w, r, c, status, "settings", map[string]any{
		"Title": "Settings", "Form": f, "Problems": problems, "Profiles": m.d.Profiles, "EventTypes": eventChoices(f.Events),
		"CanPing": m.d.Ping != nil, "Ping": ping, "Logo": logo, "Locales": i18n.Supported(),
	})
}

// check validates the form as the API validates a job's fields and returns
// the settings, or the problems by field.
func (m *Manage) check(f settingsForm) (store.TenantSettings, map[string]string) {
	problems := map[string]string{}
	s := store.TenantSettings{CallbackURL: f.CallbackURL, PreflightProfile: f.Profile, Events: f.Events}
	if f.Locale != "" {
		if t, err := i18n.Parse(f.Locale); err != nil {
			problems["locale"] = "The default language " + err.Error() + "."
		} else {
			s.Locale = t.String()
		}
	}
	if slices.Equal(f.Events, job.DefaultEvents) {
		// The default ticked as it is stays the default, which grows
		// when Submit adds an event type.
		s.Events = nil
	}
	if f.CallbackURL != "" {
		if err := m.checkURL(f.CallbackURL); err != nil {
			problems["callback"] = "The callback URL " + err.Error() + "."
		}
	}
	if f.Color != "" && !job.ValidColor(f.Color) {
		problems["color"] = "The colour must be written #RGB or #RRGGBB, such as #1A73E8."
	}
	if f.Logo != "" {
		if err := m.checkURL(f.Logo); err != nil {
			problems["logo"] = "The logo URL " + err.Error() + "."
		}
	}
	if f.Color != "" || f.Logo != "" {
		s.Brand = &job.Brand{Color: f.Color, Logo: f.Logo}
	}
	if f.Profile != "" && m.d.Profiles != nil && !slices.Contains(m.d.Profiles, f.Profile) {
		problems["profile"] = fmt.Sprintf("There is no preflight profile %q; choose one of %s.",
			f.Profile, strings.Join(m.d.Profiles, ", "))
	}
	return s, problems
}

// checkURL checks a URL as the API checks one (netguard.ValidateURL).
func (m *Manage) checkURL(raw string) error {
	_, err := netguard.ValidateURL(raw, m.d.AllowInsecureURLs)
	return err
}

func (m *Manage) saveSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	f := settingsForm{
		CallbackURL: strings.TrimSpace(r.PostFormValue("callback_url")), Color: strings.TrimSpace(r.PostFormValue("brand_color")),
		Logo: strings.TrimSpace(r.PostFormValue("brand_logo")), Profile: strings.TrimSpace(r.PostFormValue("profile")),
		Locale: strings.TrimSpace(r.PostFormValue("locale")),
		Events: []job.EventType{},
	}
	ticked := r.PostForm["events"]
	for _, t := range job.EventTypes { // in the documented order; unknown values are dropped
		if slices.Contains(ticked, string(t)) {
			f.Events = append(f.Events, t)
		}
	}
	if r.PostFormValue("events_shown") == "" {
		// A form without the checkboxes (a script, a page from before
		// they existed) leaves the choice as it is, rather than
		// unsubscribing from everything.
		t, err := m.st.Tenant(r.Context(), c.user.TenantID)
		if err != nil {
			return err
		}
		f.Events = formOf(t.Settings).Events
	}
	s, problems := m.check(f)
	if len(problems) > 0 {
		return m.renderSettings(w, r, c, http.StatusUnprocessableEntity, f, problems, nil)
	}
	if err := m.d.Vault.UpdateSettings(r.Context(), c.user.TenantID, s); err != nil {
		return err
	}
	if f.Logo != "" && m.d.Logos != nil {
		// Checked in the background; the page shows how it went.
		if _, err := m.d.Logos.Retry(r.Context(), c.user.TenantID, f.Logo); err != nil {
			return err
		}
	}

	m.audit(r.Context(), c, "settings.update", "tenant settings", fmt.Sprintf("callback URL %q, colour %q, logo %q, profile %q, events %v, language %q",
		f.CallbackURL, f.Color, f.Logo, f.Profile, f.Events, s.Locale))
	return redirect(w, r, withDone("/manage/settings", "saved"))
}

// ping sends a test ping to the saved default callback URL and shows the
// receiver's answer.
func (m *Manage) ping(w http.ResponseWriter, r *http.Request, c *call) error {
	t, err := m.st.Tenant(r.Context(), c.user.TenantID)
	if err != nil {
		return err
	}
	f := formOf(t.Settings)
	if m.d.Ping == nil {
		return m.renderSettings(w, r, c, http.StatusServiceUnavailable, f, nil,
			map[string]any{"Problem": "Test pings are not available on this server."})
	}
	if t.Settings.CallbackURL == "" {
		return m.renderSettings(w, r, c, http.StatusUnprocessableEntity, f, nil,
			map[string]any{"Problem": "Save a default callback URL first, then send the test ping to it."})
	}
	if _, err := netguard.ValidateURL(t.Settings.CallbackURL, m.d.AllowInsecureURLs); err != nil {
		return m.renderSettings(w, r, c, http.StatusUnprocessableEntity, f, nil,
			map[string]any{"Problem": "The callback URL " + err.Error() + "."})
	}
	d, res, err := m.d.Ping(r.Context(), callback.PingParams{TenantID: t.ID, Livemode: c.live, URL: t.Settings.CallbackURL})
	if err != nil && d.LastAttemptAt == nil {
		return err // the ping could not be made at all
	}
	m.audit(r.Context(), c, "callback.ping", d.ID, fmt.Sprintf("%s answered %d %s", t.Settings.CallbackURL, res.StatusCode, res.Error))
	return m.renderSettings(w, r, c, http.StatusOK, f, nil, map[string]any{"Result": res, "URL": t.Settings.CallbackURL, "Delivery": d.ID})
}

// eventChoice is one checkbox of the events sent.
type eventChoice struct {
	Type    job.EventType
	Checked bool
	Note    string
}

// eventChoices are the settings page's checkboxes, with what each event
// means in a few words.
func eventChoices(chosen []job.EventType) []eventChoice {
	notes := map[job.EventType]string{
		job.EventUploaded: "a file was uploaded", job.EventPreflighting: "the check started",
		job.EventPreflightPassed: "the file passed the check", job.EventPreflightFailed: "the file failed the check (or could not be fetched)",
		job.EventProofGenerated: "the proof is ready for the customer", job.EventApproved: "the proof was approved",
		job.EventRejected: "the proof was rejected", job.EventCancelled: "the job was cancelled (by API or here)",
		job.EventExpired: "the upload link expired", job.EventProofFailed: "the proof could not be made",
		job.EventUpdated: "the job was changed by PATCH (off by default)",
	}
	out := make([]eventChoice, len(job.EventTypes))
	for i, t := range job.EventTypes {
		out[i] = eventChoice{Type: t, Checked: slices.Contains(chosen, t), Note: notes[t]}
	}
	return out
}
