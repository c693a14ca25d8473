package store

import (
	"context"
	"time"
)

// LogoStore is the part of Store that keeps brand logos: which URLs a
// tenant's jobs and settings name, whether each was fetched and checked,
// and where the checked file is. The logo package fetches them.
type LogoStore interface {
	// Logo returns the logo of a tenant's URL. ErrNotFound when no job or
	// setting of the tenant has named it.
	Logo(ctx context.Context, tenantID, url string) (Logo, error)
	// RequestLogo returns the logo of p.TenantID's p.URL, inserting it as
	// pending when there is none. A failed logo last fetched before
	// p.RetryFailedBefore is made pending again (the host may have been
	// fixed meanwhile). Reading an existing logo that stays as it is costs
	// one query, and no write: many jobs name the same logo.
	RequestLogo(ctx context.Context, p RequestLogoParams) (Logo, error)
	// ClaimLogos leases up to p.Limit pending logos to p.Worker until
	// p.Now + p.Lease, those requested first first. A logo whose lease ran
	// out (its worker died) is claimed again. On PostgreSQL several
	// processes claim at once and never get the same logo.
	ClaimLogos(ctx context.Context, p ClaimParams) ([]Logo, error)
	// FinishLogo records the outcome of fetching a claimed logo and ends
	// the lease. With p.Logo.State pending, the logo waits until p.RetryAt
	// (Submit's own storage failed, not the URL). ErrStale when p.Worker no
	// longer holds the lease.
	FinishLogo(ctx context.Context, p FinishLogoParams) error
}

// Logo states.
const (
	LogoPending = "pending" // to be fetched and checked
	LogoOK      = "ok"      // checked; BlobKey holds the file
	LogoFailed  = "failed"  // ErrorCode and ErrorMessage say why
)

// Logo is one brand logo URL of a tenant, and what fetching it gave.
type Logo struct {
	TenantID string
	URL      string
	State    string
	// BlobKey names the checked file (logos/<sha256>.<ext>), ContentType
	// is its type, Width and Height its size in pixels (0 for SVG);
	// set when State is LogoOK.
	BlobKey     string
	ContentType string
	Width       int
	Height      int
	// ErrorCode and ErrorMessage say why a failed logo failed, in words
	// for the ERP.
	ErrorCode    string
	ErrorMessage string
	RequestedAt  time.Time
	FetchedAt    *time.Time
}

// RequestLogoParams names a logo to fetch.
type RequestLogoParams struct {
	TenantID, URL string
	At            time.Time
	// RetryFailedBefore: a failed logo fetched before this time is
	// fetched again. Zero never retries.
	RetryFailedBefore time.Time
}

// FinishLogoParams records the outcome of a claimed logo: Logo's State,
// and its file or error fields.
type FinishLogoParams struct {
	Logo    Logo
	Worker  string
	At      time.Time // when it was fetched
	RetryAt time.Time // for State LogoPending: not claimed before
}
