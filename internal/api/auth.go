package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// callerKey is the context key of the Caller.
type callerKey struct{}

// Caller is who sent an authenticated request: a tenant, in one mode, with
// the scopes of the key used. KeyID and KeyName name the key, never its
// secret, for what records who acted (the job's createdBy).
type Caller struct {
	TenantID string
	KeyID    string
	KeyName  string
	Livemode bool
	Scopes   []string
}

// actor is the caller as the author of an event: its API key.
func (c Caller) actor() job.Actor { return job.Actor{Kind: job.ActorAPIKey, ID: c.KeyID} }

func caller(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

// errUnauthorized is a 401 with the header the contract requires. Each cause
// has its own detail, because "401 Unauthorized" alone is the most common
// integration ticket in the seeds.
func errUnauthorized(detail string) *Problem {
	p := problem(http.StatusUnauthorized, "unauthorized", "Unauthorized", detail)
	p.header = http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}
	return p
}

// authenticate finds the key of a request, or explains why there is none.
func (a *API) authenticate(r *http.Request) (Caller, *Problem) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Caller{}, errUnauthorized("No API key was sent. Send it in the Authorization header: `Authorization: Bearer <API key>`.")
	}
	scheme, token, found := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		if !found {
			return Caller{}, errUnauthorized("The Authorization header has no scheme. Write it as `Authorization: Bearer <API key>`.")
		}
		return Caller{}, errUnauthorized(fmt.Sprintf("The Authorization header uses the %q scheme; Submit expects \"Bearer\": `Authorization: Bearer <API key>`.", clip(scheme, 20)))
	}
	if token == "" {
		return Caller{}, errUnauthorized("The Authorization header says Bearer but carries no key: `Authorization: Bearer <API key>`.")
	}
	if msg := keyShapeProblem(token); msg != "" {
		return Caller{}, errUnauthorized(msg)
	}
	parsed, err := apikey.Parse(token)
	if err != nil {
		return Caller{}, errUnauthorized("The API key is not valid: " + strings.TrimPrefix(err.Error(), apikey.ErrMalformed.Error()+": ") + ".")
	}
	k, err := a.store.APIKeyByLookup(r.Context(), parsed.Lookup)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Caller{}, internalProblem()
	}
	// Compare even when no row was found, against a hash of the same
	// length, so that timing does not tell a known lookup from an unknown
	// one.
	stored := k.Hash
	if err != nil {
		stored = noKeyHash[:]
	}
	if !apikey.Matches(token, stored) || err != nil {
		return Caller{}, errUnauthorized("The API key is not recognised. Check that it was copied whole from Manage → Vault or `submit key create`, and that it belongs to this Submit installation.")
	}
	if k.RevokedAt != nil {
		return Caller{}, errUnauthorized(fmt.Sprintf("The API key %s was revoked at %s. Create a new key in Manage → Vault or with `submit key create`.",
			apikey.Display(k.Livemode, k.Lookup), k.RevokedAt.UTC().Format(time.RFC3339)))
	}
	if err := a.vault.RecordUse(r.Context(), k); err != nil {
		a.log.WarnContext(r.Context(), "record key use", slog.Any("error", err)) // never fail a request for it
	}
	return Caller{TenantID: k.TenantID, KeyID: k.ID, KeyName: k.Name, Livemode: k.Livemode, Scopes: k.Scopes}, nil
}

// noKeyHash stands in for the stored hash of a key that does not exist.
var noKeyHash [32]byte

// keyShapeProblem names the copy-and-paste mistakes the seeds list: spaces
// and quotes around or inside the key. (The HTTP server has already trimmed
// the header's own surrounding white space.)
func keyShapeProblem(token string) string {
	switch {
	case strings.TrimSpace(token) != token:
		return "The API key has white space before or after it (two spaces after \"Bearer\"?). Send exactly one space: `Authorization: Bearer <API key>`."
	case strings.ContainsAny(token, "\"'“”‘’`"):
		return "The API key is wrapped in quotes or contains them. Send the key without quotes: `Authorization: Bearer <API key>`."
	case strings.ContainsAny(token, " \t\r\n\u00a0"):
		return "The API key contains white space. It was probably split or wrapped when copied; copy it again as one word."
	}
	return ""
}

func internalProblem() *Problem {
	return problem(http.StatusInternalServerError, "internal", "Internal error",
		"Something went wrong on our side. Retry later; if it persists, contact support with the request id.")
}

// requireScope wraps a handler: it authenticates, checks the scope, and puts
// the caller in the context.
func (a *API) requireScope(scope string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, p := a.authenticate(r)
		if p != nil {
			writeProblem(w, r, p)
			return
		}
		if !slices.Contains(c.Scopes, scope) {
			writeProblem(w, r, problem(http.StatusForbidden, "forbidden", "Forbidden",
				fmt.Sprintf("This API key lacks the %s scope. Create a key with it in Manage → Vault or with `submit key create --scopes %s`.", scope, scope)))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
