package job

import (
	"encoding/json"
	"regexp"
	"time"
)

// Job is one artwork submission for one order. The API calls it a job; the
// seeds and the callback body call it a session (its id starts "ses_").
type Job struct {
	ID          string
	TenantID    string
	Livemode    bool
	ExternalID  string
	Status      Status
	Metadata    []Metadata
	Brand       *Brand
	ArtworkURL  string // where to fetch the artwork from, if the ERP supplied one
	CallbackURL string // the job's own; empty means the tenant's default
	Preflight   *Expectations
	// Events are the event types the job's callbacks are sent for; nil
	// means its tenant's choice (see EventType.Sent).
	Events []EventType
	// CreatedBy is who created the job (creator.go).
	CreatedBy Creator
	// Locale is the BCP 47 tag of the job's language, as the API received
	// it in canonical form: its customer page and its findings' messages
	// in the API and callbacks. Empty means none chosen: English for the
	// API, the customer's browser or the tenant's default for the page.
	Locale string
	// UploadToken is the secret part of the upload link. It is a capability:
	// whoever holds the link may upload, so it has 128 bits or more.
	UploadToken string
	// Sequence is the sequence number of the job's latest event, 0 before
	// the first.
	Sequence         int64
	CurrentVersionID string
	// ArtworkFetch is where fetching ArtworkURL stands: "" when there is no
	// URL, else "pending", "done" or "failed".
	ArtworkFetch string
	// WorkAttempts is, in a job the pipeline claimed, how many times it was
	// claimed since its status last changed, this claim included; other
	// reads leave it 0. It is the pipeline's bookkeeping, not API.
	WorkAttempts int
	// WorkGaveUpAt is when the pipeline gave up on the job's current step
	// after repeated failures, zero while it has not. In preflight_passed
	// it means the proof could not be rendered: the customer's page and
	// Manage say so, and Manage can have it tried again.
	WorkGaveUpAt time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ExpiresAt    time.Time
}

// UploadURL is the job's upload link, the customer page (internal/web)
// under publicURL, the base of every link Submit hands out.
func (j Job) UploadURL(publicURL string) string { return publicURL + "/u/" + j.UploadToken }

// ProofGivenUp reports whether the pipeline gave up rendering the job's
// proof: it passed preflight, and waits for an operator (WorkGaveUpAt).
func (j Job) ProofGivenUp() bool { return j.Status == PreflightPassed && !j.WorkGaveUpAt.IsZero() }

// Metadata is one order property the ERP wants shown to the customer.
type Metadata struct {
	PropertyID   string `json:"propertyId"`
	PropertyName string `json:"propertyName"`
	Value        string `json:"value"`
}

// Brand is how the customer's page looks.
type Brand struct {
	Color string `json:"color,omitempty"`
	Logo  string `json:"logo,omitempty"`
}

// hexColor is the form of a brand colour: #RGB or #RRGGBB.
var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// ValidColor reports whether s is a brand colour the contract accepts, so
// that the API and Manage's settings apply one rule.
func ValidColor(s string) bool { return hexColor.MatchString(s) }

// Expectations are what the order says the artwork should be; preflight checks
// the file against them on top of the profile.
type Expectations struct {
	Profile   string `json:"profile,omitempty"`
	TrimSize  *Size  `json:"trimSize,omitempty"`
	PageCount int    `json:"pageCount,omitempty"`
	Bleed     *Bleed `json:"bleed,omitempty"`
}

// Size is a page size in a unit: "mm", "in" or "pt".
type Size struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Unit   string  `json:"unit"`
}

// Bleed is how far artwork must extend past the trim, in a unit.
type Bleed struct {
	Size float64 `json:"size"`
	Unit string  `json:"unit"`
}

// Units are the length units an order may use, with their size in points.
var Units = map[string]float64{"mm": 72 / 25.4, "in": 72, "pt": 1}

// Finding is one problem or remark about a job: a preflight finding, or a
// failure to fetch the artwork. Codes are stable API.
type Finding struct {
	Code     string          `json:"code"`
	Check    string          `json:"check"`
	Severity string          `json:"severity"` // error | warning | info
	Message  string          `json:"message"`
	Page     int             `json:"page,omitempty"`
	Details  json.RawMessage `json:"details,omitempty"`
}

// DetailNumber reads a number from a finding's or a fix's details,
// however it got there: float64 after JSON, int or int64 as the checks
// and fixers build them. ok is false for anything else.
func DetailNumber(v any) (n float64, ok bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// The finding codes of a proof the pipeline gave up rendering: on the
// file's fault, or on Submit's. The pipeline records them, the workflow
// drops them when the proof is tried again, and findingtext says them;
// each names them from here, so that the three cannot drift apart.
const (
	CodeProofFailed        = "PROOF_RENDER_FAILED"
	CodeProofServiceFailed = "PROOF_SERVICE_FAILED"
)

// Fix is a change Submit made to a version's file so that it prints as
// ordered (issue #15): a stable code, what was done in the customer's
// words, and the pages it was done on (1-based).
type Fix struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Pages   []int  `json:"pages"`
	// Details are the fix's numbers (bleed in mm, percent of a uniform
	// scale), from which its message is written in any language; left
	// out when it has none.
	Details map[string]any `json:"details,omitempty"`
	// Offered is set on a fix the customer may decline, printing the file
	// without it (the profile's "offer"); left out otherwise.
	Offered bool `json:"offered,omitempty"`
}

// Event is one entry of a job's event log: what happened, in which order. It
// is what callbacks deliver and what GET /api/jobs/{id}/events returns.
type Event struct {
	ID       string
	JobID    string
	TenantID string
	Livemode bool
	Sequence int64
	Type     EventType
	Status   Status // the job's status after the event
	OrderRef string // the job's externalId, copied so a payload needs no join
	// Locale is the job's locale when the event happened, copied for the
	// same reason: the language of the messages its payload carries.
	Locale           string
	ArtworkVersionID string
	Errors           []Finding
	// Files names the stored files that existed when the event happened, by
	// kind ("processed_pdf", "proof", "preflight_report") to blob key. Links
	// are made from them when the event is sent or read, because links expire.
	Files map[string]string
	// Fixes are the fixes of the event's version when it happened; nil
	// when it has none.
	Fixes []Fix
	// Actor is who caused the event, when someone did: the customer, an
	// API key or an operator. Events of the pipeline and the clock have
	// none.
	Actor Actor
	// Changes names the fields an updated event changed.
	Changes    []string
	OccurredAt time.Time
}

// Who caused an event: Actor.Kind. The values are API (decided_by).
const (
	ActorCustomer = "customer"
	ActorAPIKey   = "api_key"
	ActorOperator = "operator"
)

// Actor is who caused an event. ID names the API key (key_…) or the
// operator (usr_…); a customer is known only by the upload link, so has
// none.
type Actor struct {
	Kind string `json:"type"`
	ID   string `json:"id,omitempty"`
}
