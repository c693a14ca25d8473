package api

import (
	"context"
	"time"

	"github.com/atomyx/submit/internal/findingtext"
	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/pdffix"
	"github.com/atomyx/submit/internal/store"
)

// jobResponse is the job object of the API. Field names are camelCase like
// the request; empty collections are [] or {}, never null, so that clients
// can iterate without checks.
type jobResponse struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"`
	ExternalID  string            `json:"externalId"`
	Status      job.Status        `json:"status"`
	UploadURL   string            `json:"uploadURL"`
	Metadata    []job.Metadata    `json:"metadata"`
	Brand       *job.Brand        `json:"brand"`
	CallbackURL *string           `json:"callbackURL"`
	Preflight   *job.Expectations `json:"preflight"`
	// Events is the job's own subscription; null follows its tenant's.
	Events []job.EventType `json:"events"`
	// Locale is the job's language (BCP 47); null when it has none, and
	// its messages are in English.
	Locale          *string           `json:"locale"`
	Livemode        bool              `json:"livemode"`
	CreatedAt       time.Time         `json:"createdAt"`
	UpdatedAt       time.Time         `json:"updatedAt"`
	ExpiresAt       time.Time         `json:"expiresAt"`
	ArtworkVersions []versionResponse `json:"artworkVersions"`
	Files           map[string]string `json:"files"`
	Errors          []job.Finding     `json:"errors"`
	// Fixes are what Submit changed in the current version's file that
	// prints (files.processed_pdf), as on the version.
	Fixes        []job.Fix        `json:"fixes"`
	ArtworkFetch *fetchResponse   `json:"artworkFetch"`
	CreatedBy    *creatorResponse `json:"createdBy"`
	// Warnings are what the ERP should fix without the job failing, such
	// as a brand.logo that is not an image.
	Warnings []warning `json:"warnings"`
}

// fetchResponse is where fetching the job's artwork.url stands, so that an
// ERP that sent one can tell a fetch still under way from one that failed
// without reading the versions' findings.
type fetchResponse struct {
	// State is pending, done or failed.
	State string `json:"state"`
	// Code is a failed fetch's finding code (ARTWORK_FETCH_FAILED,
	// ARTWORK_TOO_LARGE, ARTWORK_NOT_PDF); left out otherwise.
	Code string `json:"code,omitempty"`
}

// versionResponse is one uploaded artwork version.
type versionResponse struct {
	ID        string            `json:"id"`
	Filename  string            `json:"filename"`
	Size      int64             `json:"size"`
	SHA256    string            `json:"sha256"`
	CreatedAt time.Time         `json:"createdAt"`
	Status    string            `json:"status"`
	Errors    []job.Finding     `json:"errors"`
	Files     map[string]string `json:"files"`
	// Fixes are what Submit changed so that the file prints as ordered
	// (issue #15); empty when processed_pdf is the upload itself.
	Fixes []job.Fix `json:"fixes"`
	// ProcessedSHA256 is the hex SHA-256 of processed_pdf: after approval,
	// of the file approved. null before preflight passed.
	ProcessedSHA256 *string `json:"processedSha256"`
	// Printed says which file the approval printed when the customer was
	// offered a choice: "fixed" or "unchanged"; null otherwise.
	Printed *string `json:"printed"`
}

func (a *API) jobResponse(j job.Job) jobResponse {
	r := jobResponse{
		ID: j.ID, Object: "job", ExternalID: j.ExternalID, Status: j.Status,
		UploadURL: j.UploadURL(a.publicURL), Metadata: j.Metadata, Brand: j.Brand,
		Preflight: j.Preflight, Events: j.Events, Livemode: j.Livemode,
		CreatedAt: seconds(j.CreatedAt), UpdatedAt: seconds(j.UpdatedAt), ExpiresAt: seconds(j.ExpiresAt),
		// fullJobResponse adds versions, files and errors; a job just
		// created has none.
		ArtworkVersions: []versionResponse{}, Files: map[string]string{}, Errors: []job.Finding{},
		Fixes: []job.Fix{}, Warnings: []warning{},
	}
	if r.Metadata == nil {
		r.Metadata = []job.Metadata{}
	}
	if j.CallbackURL != "" {
		r.CallbackURL = &j.CallbackURL
	}
	if j.Locale != "" {
		r.Locale = &j.Locale
	}
	if j.ArtworkFetch != "" {
		r.ArtworkFetch = &fetchResponse{State: j.ArtworkFetch}
	}
	r.CreatedBy = newCreatorResponse(j.CreatedBy)
	return r
}

// fullJobResponse is the job object with its artwork versions, and the
// files and errors of its current version. File links are made afresh on
// every read, because they expire.
func (a *API) fullJobResponse(ctx context.Context, j job.Job) (jobResponse, error) {
	r := a.jobResponse(j)
	vs, err := a.store.ListArtworkVersions(ctx, j.TenantID, j.ID)
	if err != nil {
		return r, err
	}
	l, err := a.jobLogo(ctx, j)
	if err != nil {
		return r, err
	}
	r.Warnings = logoWarnings(l)
	lang := i18n.Locale(j.Locale)
	for _, v := range vs {
		vr := versionResponse{
			ID: v.ID, Filename: v.Filename, Size: v.Size, SHA256: v.SHA256, CreatedAt: seconds(v.CreatedAt),
			Status: string(v.Status), Errors: findingtext.Localize(v.Errors, lang), Files: a.links(v.Files), Fixes: pdffix.Localize(v.Fixes, lang),
		}
		if vr.Errors == nil {
			vr.Errors = []job.Finding{}
		}
		if vr.Fixes == nil {
			vr.Fixes = []job.Fix{}
		}
		if pc := v.Print; pc != nil {
			vr.ProcessedSHA256 = &pc.SHA256
			if pc.Chosen != "" {
				vr.Printed = &pc.Chosen
			}
		}
		r.ArtworkVersions = append(r.ArtworkVersions, vr)
		if v.ID == j.CurrentVersionID {
			r.Files, r.Errors, r.Fixes = vr.Files, vr.Errors, vr.Fixes
		}
	}
	if r.ArtworkFetch != nil && r.ArtworkFetch.State == store.FetchFailed {
		r.ArtworkFetch.Code = lastFetchCode(r.Errors)
	}
	return r, nil
}

// lastFetchCode is the code of the latest artwork fetch finding: a fetch
// made again that fails again adds its finding to the same version.
func lastFetchCode(fs []job.Finding) string {
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Check == "artwork_fetch" {
			return fs[i].Code
		}
	}
	return ""
}

// links turns blob keys into file links, as callbacks show them.
func (a *API) links(files map[string]string) map[string]string {
	out := a.files(job.Event{Files: files})
	if out == nil {
		out = map[string]string{}
	}
	return out
}

// seconds is how the API shows times: RFC 3339 in UTC to the second, as in
// the contract's examples.
func seconds(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// listResponse is a page of a list endpoint. NextCursor is set when HasMore.
type listResponse[T any] struct {
	Object     string `json:"object"`
	Data       []T    `json:"data"`
	HasMore    bool   `json:"hasMore"`
	NextCursor string `json:"nextCursor,omitempty"`
}
