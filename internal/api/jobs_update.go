package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// mergePatchType is the media type of a JSON Merge Patch (RFC 7396).
// application/json is accepted too: a merge patch is plain JSON, and many
// HTTP clients send nothing else without being told.
const mergePatchType = "application/merge-patch+json"

// patchable are the members PATCH /api/jobs/{id} changes.
var patchable = []string{
	workflow.FieldCallbackURL, workflow.FieldMetadata, workflow.FieldBrand,
	workflow.FieldPreflight, workflow.FieldExpiresAt,
}

// fixedMembers are members of a job that a PATCH cannot change, with what
// to do instead; a client that sends back the job it read gets these
// words rather than "unknown field".
var fixedMembers = map[string]string{
	"externalId":      "cannot be changed: it is the order the job was created for; create a new job for another order",
	"artwork":         "cannot be changed here: send the new file with PUT /api/jobs/{id}/artwork",
	"id":              "is read-only",
	"object":          "is read-only",
	"status":          "is read-only: POST /api/jobs/{id}/cancel cancels a job",
	"uploadURL":       "is read-only",
	"livemode":        "is read-only: a job stays in the mode it was created in",
	"createdAt":       "is read-only",
	"updatedAt":       "is read-only",
	"artworkVersions": "is read-only",
	"files":           "is read-only",
	"errors":          "is read-only",
	"artworkFetch":    "is read-only",
}

// updateJob handles PATCH /api/jobs/{id}: a JSON Merge Patch (RFC 7396) of
// the job's callbackURL, metadata, brand, preflight and expiresAt. A
// member set to null removes the value; objects (brand, preflight and the
// objects inside it) are merged member by member; metadata, an array, is
// replaced whole. The merged values are validated as on create.
func (a *API) updateJob(w http.ResponseWriter, r *http.Request) {
	j, err := a.loadJob(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	body, p := readBodyOf(w, r, "send the JSON merge patch with `Content-Type: "+mergePatchType+"` (or application/json)",
		mergePatchType, "application/json")
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	v, p := parseJSON(body)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	patch, errs := checkPatchMembers(v)
	if len(errs) > 0 {
		writeProblem(w, r, errValidation(errs))
		return
	}
	j, err = a.flow.Update(r.Context(), workflow.UpdateParams{
		TenantID: j.TenantID, JobID: j.ID, By: caller(r.Context()).actor(),
		Edit: func(cur job.Job) (job.Job, error) {
			next, errs := a.validator.applyPatch(cur, patch, a.now())
			if len(errs) > 0 {
				return cur, errValidation(errs)
			}
			return next, nil
		},
	})
	switch {
	case errors.Is(err, job.ErrTransition):
		err = errConflict(refusedUpdate(j.Status))
	case errors.Is(err, store.ErrStale):
		// Other changes kept winning the race (rare: it is retried).
		err = errConflict("The job kept changing while the patch was applied, so nothing was changed. Send the patch again.")
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	// A new logo is checked as one given at creation: recorded now, fetched
	// in the background (a known URL costs one read).
	if _, err := a.requestLogo(r.Context(), j.TenantID, j.Brand); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJob(w, r, http.StatusOK, j)
}

// refusedUpdate says why a job in status st refused an update.
func refusedUpdate(st job.Status) string {
	if st.Final() {
		return fmt.Sprintf("The job is %s, which is final: it can no longer be changed.", st)
	}
	return fmt.Sprintf("The job is %s: its order expectations (preflight) can change only while it waits for a file "+
		"(awaiting_upload, preflight_failed or rejected), so that no file is checked or accepted under other ones. "+
		"Nothing was changed; callbackURL, metadata, brand and expiresAt can still be changed without preflight.", st)
}

// checkPatchMembers checks that a merge patch is an object of members a
// PATCH may change, and returns it.
func checkPatchMembers(v any) (map[string]any, []FieldError) {
	var c checker
	m, ok := v.(map[string]any)
	if !ok {
		c.add("", "must be an object: a JSON merge patch naming the members to change, such as {\"callbackURL\": \"https://erp.example.com/hooks/submit\"}; not %s", kind(v))
		return nil, c.errs
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names) // a stable order of errors
	for _, k := range names {
		switch why, fixed := fixedMembers[k]; {
		case slices.Contains(patchable, k):
		case fixed:
			c.add(field("", k), "%s", why)
		default:
			if s := suggest(k, patchable); s != "" {
				c.add(field("", k), "unknown field %q: did you mean %s?", clip(k, 40), s)
			} else {
				c.add(field("", k), "unknown field %q; a PATCH may change %s", clip(k, 40), strings.Join(patchable, ", "))
			}
		}
	}
	return m, c.errs
}

// patchDoc is a job's changeable members as a merge patch applies to
// them: the request's shapes, absent when the job has none.
type patchDoc struct {
	CallbackURL string            `json:"callbackURL,omitempty"`
	Metadata    []job.Metadata    `json:"metadata,omitempty"`
	Brand       *job.Brand        `json:"brand,omitempty"`
	Preflight   *job.Expectations `json:"preflight,omitempty"`
}

// applyPatch merges patch into job j and validates each member it touched
// as on create, with the merged value: a brand patched to {"color": …}
// keeps its logo, and a trimSize patched to {"width": …} must still have
// its height and unit. now is the clock expiresAt is checked against.
func (jv jobValidator) applyPatch(j job.Job, patch map[string]any, now time.Time) (job.Job, []FieldError) {
	cur, err := current(j)
	if err != nil {
		return j, []FieldError{{Pointer: "", Detail: "the job's values could not be read: " + err.Error()}}
	}
	var c checker
	next := j
	for _, name := range patchable {
		pv, present := patch[name]
		if !present {
			continue
		}
		v := mergePatch(cur[name], pv)
		switch name {
		case workflow.FieldCallbackURL:
			next.CallbackURL = ""
			if v != nil {
				next.CallbackURL = jv.url(&c, "/callbackURL", v)
			}
		case workflow.FieldMetadata:
			next.Metadata = nil
			if v != nil {
				next.Metadata = jv.metadata(&c, v)
			}
		case workflow.FieldBrand:
			next.Brand = nil
			if v != nil {
				next.Brand = jv.brand(&c, v)
			}
		case workflow.FieldPreflight:
			next.Preflight = nil
			if v != nil {
				next.Preflight = jv.preflight(&c, v)
			}
		case workflow.FieldExpiresAt:
			next.ExpiresAt = expiresAt(&c, pv, j.ExpiresAt, now)
		}
	}
	return next, c.errs
}

// current is the job's changeable members as parsed JSON (numbers as
// json.Number), which the patch merges into.
func current(j job.Job) (map[string]any, error) {
	b, err := json.Marshal(patchDoc{CallbackURL: j.CallbackURL, Metadata: j.Metadata, Brand: j.Brand, Preflight: j.Preflight})
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	return m, dec.Decode(&m)
}

// mergePatch is RFC 7396's MergePatch(target, patch): an object patch sets
// or, with null, removes each of its members in the target (an object, or
// a new one), recursively; any other patch replaces the target.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// expiresAt checks a new expiry: an RFC 3339 time after now and at most
// workflow.MaxExpiry ahead. It returns old when the value is refused.
func expiresAt(c *checker, v any, old, now time.Time) time.Time {
	const ptr = "/" + workflow.FieldExpiresAt
	days := int(workflow.MaxExpiry / (24 * time.Hour))
	if v == nil {
		c.add(ptr, "cannot be removed: every job expires; give a time up to %d days ahead, or cancel the job", days)
		return old
	}
	s, ok := v.(string)
	if !ok {
		c.add(ptr, "must be a date and time as a string (RFC 3339, such as 2026-06-10T10:20:00Z), not %s", kind(v))
		return old
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		c.add(ptr, "must be a date and time in RFC 3339 with a time zone, such as 2026-06-10T10:20:00Z; %q is not", clip(s, 40))
		return old
	}
	switch latest := now.Add(workflow.MaxExpiry); {
	case !t.After(now):
		c.add(ptr, "must be in the future: %s has passed; to end the job now, cancel it", clip(s, 40))
	case t.After(latest):
		c.add(ptr, "must be at most %d days ahead (until %s), not %s", days, latest.UTC().Format(time.RFC3339), clip(s, 40))
	default:
		return t.UTC()
	}
	return old
}
