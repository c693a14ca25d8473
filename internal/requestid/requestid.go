// Package requestid gives every HTTP request an id, shared by the API, the
// customer pages and Manage: it is sent back in X-Request-Id, quoted in
// problems and error pages, and logged, so that a support request can be
// matched with the log.
package requestid

import (
	"context"
	"net/http"

	"github.com/atomyx/submit/internal/id"
)

type ctxKey struct{}

// From returns the id of the request being served, "" outside Handler.
func From(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(string)
	return s
}

// Handler gives every request an id: the caller's X-Request-Id when it is
// short and plain (so an ERP can correlate), else a new one. It is sent
// back in the response header.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := r.Header.Get("X-Request-Id")
		if !plain(rid) {
			rid = id.New("req")
		}
		w.Header().Set("X-Request-Id", rid)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, rid)))
	})
}

// plain reports whether a caller's id is safe to echo and log: at most 64
// letters, digits, dashes, underscores and dots.
func plain(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
