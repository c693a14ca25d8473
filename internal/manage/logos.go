package manage

import (
	"context"
	"errors"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// logoChecker has a brand logo checked in the background (logo.Service).
type logoChecker interface {
	// Retry records the URL, and has a failed check made again at once:
	// an operator who saves it may have fixed the host meanwhile.
	Retry(ctx context.Context, tenantID, url string) (store.Logo, error)
}

// logoView is where the check of a brand logo stands, for a page.
type logoView struct {
	URL     string
	State   string // pending, ok, failed, or "" when never checked
	Code    string
	Message string
	// Default: the job names no logo and uses its account's.
	Default bool
}

// logoOf reads the check of a tenant's logo URL; nil when url is empty.
func (m *Manage) logoOf(ctx context.Context, tenantID, url string) (*logoView, error) {
	if url == "" {
		return nil, nil
	}
	v := &logoView{URL: url}
	l, err := m.st.Logo(ctx, tenantID, url)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return v, nil
	case err != nil:
		return nil, err
	}
	v.State, v.Code, v.Message = l.State, l.ErrorCode, l.ErrorMessage
	return v, nil
}

// jobLogo is the logo a job's page shows: its own, else its account's.
func (m *Manage) jobLogo(ctx context.Context, j job.Job) (*logoView, error) {
	if j.Brand != nil && j.Brand.Logo != "" {
		return m.logoOf(ctx, j.TenantID, j.Brand.Logo)
	}
	t, err := m.st.Tenant(ctx, j.TenantID)
	if err != nil || t.Settings.Brand == nil {
		return nil, err
	}
	v, err := m.logoOf(ctx, j.TenantID, t.Settings.Brand.Logo)
	if v != nil {
		v.Default = true
	}
	return v, err
}
