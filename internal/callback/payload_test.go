package callback

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

func TestPayloadBody(t *testing.T) {
	t.Parallel()
	occurred := time.Date(2026, 5, 11, 10, 25, 0, 123e6, time.FixedZone("CEST", 2*3600))
	failed := job.Event{
		ID: "evt_1", JobID: "ses_1", TenantID: "ten_1", Livemode: true, Sequence: 4,
		Type: job.EventPreflightFailed, Status: job.PreflightFailed, OrderRef: "ERP-12345",
		ArtworkVersionID: "av_1", OccurredAt: occurred,
		Files: map[string]string{"preflight_report": "reports/secret-key"},
		Errors: []job.Finding{{Code: "LOW_RESOLUTION_IMAGE", Check: "image_resolution", Severity: "error",
			Message: "One or more images are below the required resolution.", Page: 1}},
		Fixes: []job.Fix{{Code: "BOXES_SET", Message: "We set the trim box.", Pages: []int{1, 2}}},
	}
	uploaded := job.Event{
		ID: "evt_2", JobID: "ses_1", Sequence: 1, Type: job.EventUploaded, Status: job.Uploaded,
		OrderRef: "ERP-12345", ArtworkVersionID: "av_1", OccurredAt: occurred,
	}
	tests := []struct {
		name string
		p    Payload
		want string
	}{
		{"preflight failed", NewPayload(failed, 2, map[string]string{"preflight_report": "https://s.example/r"}),
			`{"event_id":"evt_1","event_type":"preflight_failed","occurred_at":"2026-05-11T08:25:00Z",` +
				`"session_id":"ses_1","order_ref":"ERP-12345","artwork_version_id":"av_1","status":"preflight_failed",` +
				`"sequence":4,"livemode":true,"files":{"preflight_report":"https://s.example/r"},` +
				`"errors":[{"code":"LOW_RESOLUTION_IMAGE","check":"image_resolution","severity":"error",` +
				`"message":"One or more images are below the required resolution.","page":1}],` +
				`"fixes":[{"code":"BOXES_SET","message":"We set the trim box.","pages":[1,2]}],"attempt":2}`},
		{"no files, errors or fixes: {} and [], never null", NewPayload(uploaded, 1, nil),
			`{"event_id":"evt_2","event_type":"uploaded","occurred_at":"2026-05-11T08:25:00Z",` +
				`"session_id":"ses_1","order_ref":"ERP-12345","artwork_version_id":"av_1","status":"uploaded",` +
				`"sequence":1,"livemode":false,"files":{},"errors":[],"fixes":[],"attempt":1}`},
		{"ping", PingPayload(store.Delivery{ID: "del_01abc", Livemode: true, CreatedAt: occurred}, 1),
			`{"event_id":"evt_01abc","event_type":"ping","occurred_at":"2026-05-11T08:25:00Z",` +
				`"sequence":0,"livemode":true,"files":{},"errors":[],"fixes":[],"attempt":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := tt.p.Body()
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("body\n got %s\nwant %s", b, tt.want)
			}
			if !json.Valid(b) {
				t.Error("body is not valid JSON")
			}
		})
	}
}

// TestPayloadFixesInTheJobsLanguage: a fix's message in a callback is in
// the job's locale, like the findings'; its code, pages and details stay.
func TestPayloadFixesInTheJobsLanguage(t *testing.T) {
	e := job.Event{ID: "evt_1", JobID: "ses_1", Type: job.EventPreflightPassed, Status: job.PreflightPassed, Locale: "de",
		Fixes: []job.Fix{{Code: "BLEED_ADDED", Message: "We added 3 mm of bleed to 2 pages.", Pages: []int{1, 2},
			Details: map[string]any{"bleed": 3.0}, Offered: true}}}
	body, err := NewPayload(e, 1, nil).Body()
	if err != nil {
		t.Fatal(err)
	}
	want := `"fixes":[{"code":"BLEED_ADDED","message":"Wir haben 2 Seiten 3 mm Beschnitt hinzugefügt, indem wir die Ränder Ihres Entwurfs gespiegelt haben; prüfen Sie den Proof.","pages":[1,2],"details":{"bleed":3},"offered":true}]`
	if !strings.Contains(string(body), want) {
		t.Errorf("body %s\nlacks %s", body, want)
	}
}
