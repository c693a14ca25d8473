package api

import (
	"context"
	"errors"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// warning is something about a job that does not stop it but that the
// ERP should fix: today, a brand logo that could not be used. Field names
// the request field, in the request's dotted form.
type warning struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// logoRequester records a job's logo URL for the background check
// (logo.Service): one query when the URL is known already.
type logoRequester interface {
	Request(ctx context.Context, tenantID, url string) (store.Logo, error)
}

// requestLogo records the logo of a job about to be created and returns
// where its check stands. Nothing when the job names no logo, or when the
// API runs without a logo service (tests that need none).
func (a *API) requestLogo(ctx context.Context, tenantID string, b *job.Brand) (store.Logo, error) {
	if b == nil || b.Logo == "" || a.logos == nil {
		return store.Logo{}, nil
	}
	return a.logos.Request(ctx, tenantID, b.Logo)
}

// jobLogo reads where the check of a job's own logo stands. A logo never
// recorded (a job older than the check) has no warning.
func (a *API) jobLogo(ctx context.Context, j job.Job) (store.Logo, error) {
	if j.Brand == nil || j.Brand.Logo == "" {
		return store.Logo{}, nil
	}
	l, err := a.store.Logo(ctx, j.TenantID, j.Brand.Logo)
	if errors.Is(err, store.ErrNotFound) {
		return store.Logo{}, nil
	}
	return l, err
}

// logoWarnings is the job's warnings for its logo: one when the check
// failed, none while it runs or once it passed.
func logoWarnings(l store.Logo) []warning {
	if l.State != store.LogoFailed {
		return []warning{}
	}
	return []warning{{Code: l.ErrorCode, Field: "brand.logo", Message: l.ErrorMessage}}
}
