package api

import (
	"time"

	"github.com/atomyx/submit/internal/job"
)

// eventResponse is an event as GET /api/jobs/{id}/events returns it: the
// callback body without the delivery's attempt number. Its field names are
// snake_case because the callback contract is.
type eventResponse struct {
	EventID          string            `json:"event_id"`
	EventType        job.EventType     `json:"event_type"`
	OccurredAt       time.Time         `json:"occurred_at"`
	SessionID        string            `json:"session_id"`
	OrderRef         string            `json:"order_ref"`
	ArtworkVersionID *string           `json:"artwork_version_id"`
	Status           job.Status        `json:"status"`
	Sequence         int64             `json:"sequence"`
	Livemode         bool              `json:"livemode"`
	Files            map[string]string `json:"files"`
	Errors           []job.Finding     `json:"errors"`
}

func newEventResponse(e job.Event) eventResponse {
	r := eventResponse{
		EventID: e.ID, EventType: e.Type, OccurredAt: seconds(e.OccurredAt), SessionID: e.JobID,
		OrderRef: e.OrderRef, Status: e.Status, Sequence: e.Sequence, Livemode: e.Livemode,
		Files: map[string]string{}, Errors: e.Errors,
	}
	if e.ArtworkVersionID != "" {
		r.ArtworkVersionID = &e.ArtworkVersionID
	}
	if r.Errors == nil {
		r.Errors = []job.Finding{}
	}
	return r
}
