package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/requestid"
	"github.com/atomyx/submit/internal/store"
)

// ProblemBase is the start of every problem type URI; docs/api.md describes
// each type under its last path segment.
const ProblemBase = "https://submit.atomyx.io/problems/"

// Problem is an RFC 9457 problem detail. Every error response of the API is
// one, with the request id, so a support request can quote it.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Errors    []FieldError `json:"errors,omitempty"`
	RequestID string       `json:"requestId,omitempty"`
	// header holds extra response headers, such as WWW-Authenticate.
	header http.Header
}

// FieldError is one problem with one part of a request body, located by a
// JSON Pointer (RFC 6901).
type FieldError struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
}

// Error lets a *Problem travel as an error from decoding helpers.
func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

func problem(status int, slug, title, detail string) *Problem {
	return &Problem{Type: ProblemBase + slug, Title: title, Status: status, Detail: detail}
}

// Problems the API answers with. Their slugs are documented in docs/api.md.
func errValidation(errs []FieldError) *Problem {
	p := problem(http.StatusBadRequest, "validation", "Invalid request",
		"The request body has problems; each is listed in errors with a JSON Pointer to the field.")
	p.Errors = errs
	return p
}

func errNotFound(detail string) *Problem {
	return problem(http.StatusNotFound, "not-found", "Not found", detail)
}

func errConflict(detail string) *Problem {
	return problem(http.StatusConflict, "conflict", "Conflict", detail)
}

// writeProblem sends p with the request's id.
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	p.RequestID = requestid.From(r.Context())
	for k, vs := range p.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeError maps any error to a problem in one place: sentinel errors to
// their status, anything unknown to a 500 that says nothing of internals
// (the log has the cause, found by the request id).
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var p *Problem
	switch {
	case errors.As(err, &p):
	case errors.Is(err, store.ErrNotFound):
		p = errNotFound("No such object. Check the id; objects of another tenant or mode are not visible with this key.")
	case errors.Is(err, job.ErrTransition):
		p = errConflict(err.Error())
	case disk.IsFull(err):
		a.log.WarnContext(r.Context(), "upload refused for want of disk space", slog.Any("error", err))
		p = problem(http.StatusInsufficientStorage, "insufficient-storage", "Insufficient storage",
			"The server has no room to store this file right now; nothing was kept. Retry later; if it persists, contact support with the request id.")
	case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
		return // the client went away; nobody reads an answer
	default:
		a.log.ErrorContext(r.Context(), "request failed", slog.Any("error", err))
		p = problem(http.StatusInternalServerError, "internal", "Internal error",
			"Something went wrong on our side. Retry later; if it persists, contact support with the request id.")
	}
	writeProblem(w, r, p)
}

// writeJSON sends v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
