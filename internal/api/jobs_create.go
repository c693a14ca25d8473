package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// createJob handles POST /api/jobs.
func (a *API) createJob(w http.ResponseWriter, r *http.Request) {
	c := caller(r.Context())
	body, p := readJSONBody(w, r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	key, p := idempotencyKey(r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	hash := requestHash(r, body)
	// The idempotency record is looked up only when the create cannot go
	// ahead: a retry of a valid request fails the create on the record's
	// unique key and is answered from the record then, so a first request
	// costs no read for it (one round trip on PostgreSQL). A retry whose
	// body is invalid is answered from the record too, as before.
	lookup := store.IdempotencyLookup{TenantID: c.TenantID, Livemode: c.Livemode, Key: key}
	v, p := parseJSON(body)
	if p != nil {
		if key == "" || !a.replay(w, r, lookup, hash) {
			writeProblem(w, r, p)
		}
		return
	}
	req, errs := a.validator.decodeCreateJob(v)
	if len(errs) > 0 {
		if key == "" || !a.replay(w, r, lookup, hash) {
			writeProblem(w, r, errValidation(errs))
		}
		return
	}
	// The logo is recorded before the job, so that a job never names a
	// logo nobody will check; its check runs in the background.
	logo, err := a.requestLogo(r.Context(), c.TenantID, req.Brand)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	j := a.flow.NewJob(workflow.NewJobParams{
		TenantID: c.TenantID, Livemode: c.Livemode, ExternalID: req.ExternalID, Metadata: req.Metadata,
		Brand: req.Brand, ArtworkURL: req.ArtworkURL, CallbackURL: req.CallbackURL, Preflight: req.Preflight,
		Events: req.Events, CreatedBy: c.creator(), Locale: req.Locale,
	})
	jr := a.jobResponse(j)
	jr.Warnings = logoWarnings(logo)
	resp, err := json.Marshal(jr)
	if err != nil {
		a.writeError(w, r, fmt.Errorf("encode job: %w", err))
		return
	}
	var rec *store.IdempotencyRecord
	if key != "" {
		rec = &store.IdempotencyRecord{
			TenantID: c.TenantID, Livemode: c.Livemode, Key: key, RequestHash: hash,
			StatusCode: http.StatusCreated, Body: resp, CreatedAt: j.CreatedAt,
		}
	}
	err = a.flow.CreateJob(r.Context(), j, rec)
	if errors.Is(err, store.ErrConflict) && key != "" {
		// The key was used before, or by a concurrent request that
		// committed first: answer as its retry.
		if a.replay(w, r, lookup, hash) {
			return
		}
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/jobs/"+j.ID)
	writeRaw(w, http.StatusCreated, resp)
}

// idempotencyKey reads the Idempotency-Key header, if any.
func idempotencyKey(r *http.Request) (string, *Problem) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "", nil
	}
	if len(key) > 255 || !printableASCII(key) {
		return "", problem(http.StatusBadRequest, "invalid-idempotency-key", "Invalid Idempotency-Key",
			"The Idempotency-Key header must be 1 to 255 printable ASCII characters; a UUID is a good choice.")
	}
	return key, nil
}

// requestHash identifies a request for idempotency: the same key with the
// same method, path and body bytes is a retry; anything else is a mistake.
func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", r.Method, r.URL.Path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// replay answers from a stored idempotency record and reports whether it did.
func (a *API) replay(w http.ResponseWriter, r *http.Request, l store.IdempotencyLookup, hash string) bool {
	rec, err := a.store.IdempotencyRecord(r.Context(), l)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		a.writeError(w, r, err)
		return true
	}
	if rec.RequestHash != hash {
		writeProblem(w, r, problem(http.StatusUnprocessableEntity, "idempotency-key-reused", "Idempotency-Key reused",
			fmt.Sprintf("The Idempotency-Key %q was first used at %s with a different request body. Use a new key for a different request.",
				clip(l.Key, 60), rec.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))))
		return true
	}
	w.Header().Set("Idempotent-Replayed", "true")
	if loc := locationOf(rec.Body); loc != "" {
		w.Header().Set("Location", loc)
	}
	writeRaw(w, rec.StatusCode, rec.Body)
	return true
}

func locationOf(body []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &v) != nil || v.ID == "" {
		return ""
	}
	return "/api/jobs/" + v.ID
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if !bytes.HasSuffix(body, []byte("\n")) {
		_, _ = w.Write([]byte("\n"))
	}
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
