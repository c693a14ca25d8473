package api

import (
	"time"

	"github.com/atomyx/submit/internal/job"
)

// jobResponse is the job object of the API. Field names are camelCase like
// the request; empty collections are [] or {}, never null, so that clients
// can iterate without checks.
type jobResponse struct {
	ID              string            `json:"id"`
	Object          string            `json:"object"`
	ExternalID      string            `json:"externalId"`
	Status          job.Status        `json:"status"`
	UploadURL       string            `json:"uploadURL"`
	Metadata        []job.Metadata    `json:"metadata"`
	Brand           *job.Brand        `json:"brand"`
	CallbackURL     *string           `json:"callbackURL"`
	Preflight       *job.Expectations `json:"preflight"`
	Livemode        bool              `json:"livemode"`
	CreatedAt       time.Time         `json:"createdAt"`
	UpdatedAt       time.Time         `json:"updatedAt"`
	ExpiresAt       time.Time         `json:"expiresAt"`
	ArtworkVersions []versionResponse `json:"artworkVersions"`
	Files           map[string]string `json:"files"`
	Errors          []job.Finding     `json:"errors"`
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
}

// UploadURL is the customer's link for a job.
func UploadURL(publicURL, token string) string { return publicURL + "/u/" + token }

func (a *API) jobResponse(j job.Job) jobResponse {
	r := jobResponse{
		ID: j.ID, Object: "job", ExternalID: j.ExternalID, Status: j.Status,
		UploadURL: UploadURL(a.publicURL, j.UploadToken), Metadata: j.Metadata, Brand: j.Brand,
		Preflight: j.Preflight, Livemode: j.Livemode,
		CreatedAt: seconds(j.CreatedAt), UpdatedAt: seconds(j.UpdatedAt), ExpiresAt: seconds(j.ExpiresAt),
		// Artwork versions arrive with uploads (docs/api.md lists them as
		// not built yet); until then a job has none.
		ArtworkVersions: []versionResponse{}, Files: map[string]string{}, Errors: []job.Finding{},
	}
	if r.Metadata == nil {
		r.Metadata = []job.Metadata{}
	}
	if j.CallbackURL != "" {
		r.CallbackURL = &j.CallbackURL
	}
	return r
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
