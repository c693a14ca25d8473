// Package storetest is the conformance suite of store.Store: it runs on
// SQLite and on PostgreSQL, so that both behave the same to the code above
// them. A test here asserts what the interface documents, not how the store
// does it. ForEach runs the tests of the packages above the store on both.
package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// Run runs the suite. open (SQLite or Postgres) must return a new, empty,
// migrated store each time it is called, and close it when the test ends;
// every subtest opens its own, because some methods (ListExpiredJobs,
// ClaimDeliveries, NextDeliveryAt) see all tenants.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"TimeRoundTrip", testTimeRoundTrip},
		{"Tenants", testTenants},
		{"APIKeys", testAPIKeys},
		{"TouchAPIKey", testTouchAPIKey},
		{"ConcurrentKeyLookups", testConcurrentKeyLookups},
		{"SigningSecretRotation", testSigningSecretRotation},
		{"CreateAndReadJob", testCreateAndReadJob},
		{"JobsByID", testJobsByID},
		{"JobIdempotency", testJobIdempotency},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ListJobs", testListJobs},
		{"ExpiredJobs", testExpiredJobs},
		{"Transition", testTransition},
		{"TransitionRefused", testTransitionRefused},
		{"ConcurrentTransitions", testConcurrentTransitions},
		{"ClaimAndRecord", testClaimAndRecord},
		{"ClaimedSecrets", testClaimedSecrets},
		{"ListJobAttempts", testListJobAttempts},
		{"ClaimOrdering", testClaimOrdering},
		{"LeaseExpiry", testLeaseExpiry},
		{"ClaimPerHost", testClaimPerHost},
		{"RenewDeliveries", testRenewDeliveries},
		{"RecordAttempts", testRecordAttempts},
		{"RenewWhileRecording", testRenewWhileRecording},
		{"Exceptions", testExceptions},
		{"Redeliver", testRedeliver},
		{"NextDeliveryAt", testNextDeliveryAt},
		{"Pings", testPings},
		{"SubscriptionRoundTrip", testSubscriptionRoundTrip},
		{"Outcome", testOutcome},
		{"JobChanges", testJobChanges},
		{"ReleaseLeases", testReleaseLeases},
		{"Patch", testPatch},
		{"PatchMovesPending", testPatchMovesPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
	runOperator(t, open)
	runArtwork(t, open)
	runJobDelete(t, open)
	runLogo(t, open)
	runLimit(t, open)
	runDashboard(t, open)
}

// at returns a fixed time plus d. Tests use fixed times, whole
// microseconds, so that values read back compare equal.
func at(d time.Duration) time.Time {
	return time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC).Add(d)
}

// newTenant creates a tenant named after the test.
func newTenant(t *testing.T, s store.Store, name string) store.Tenant {
	t.Helper()
	tn := store.Tenant{ID: id.New(id.Tenant), Name: name, CreatedAt: at(0)}
	if err := s.CreateTenant(t.Context(), tn); err != nil {
		t.Fatalf("create tenant %s: %v", name, err)
	}
	return tn
}

// jobAt returns a minimal job of the tenant, created at created, whose id
// sorts by that time.
func jobAt(tenantID string, livemode bool, created time.Time) store.Job {
	return store.Job{
		ID:          id.NewAt(id.Job, created),
		TenantID:    tenantID,
		Livemode:    livemode,
		ExternalID:  "ORDER-" + created.Format("150405.000"),
		Status:      job.AwaitingUpload,
		UploadToken: id.Token(16),
		CreatedAt:   created,
		UpdatedAt:   created,
		ExpiresAt:   created.Add(30 * 24 * time.Hour),
	}
}

// newJob creates jobAt(…) in s.
func newJob(t *testing.T, s store.Store, tenantID string, created time.Time) store.Job {
	t.Helper()
	j := jobAt(tenantID, true, created)
	if err := s.CreateJob(t.Context(), store.CreateJobParams{Job: j}); err != nil {
		t.Fatalf("create job: %v", err)
	}
	return j
}

// move transitions j from whatever status it is in to status at time when,
// with a delivery to url when url is set.
func move(t *testing.T, s store.Store, j store.Job, status job.Status, when time.Time, url string) job.Event {
	t.Helper()
	p := store.TransitionParams{
		TenantID: j.TenantID,
		JobID:    j.ID,
		From:     job.Statuses,
		Event: job.Event{
			ID: id.NewAt(id.Event, when), Type: job.EventType(status), Status: status, OccurredAt: when,
		},
		CallbackURL: url,
		Attempts:    7,
	}
	if url != "" {
		p.DeliveryID = id.NewAt(id.Delivery, when)
	}
	e, err := s.TransitionJob(t.Context(), p)
	if err != nil {
		t.Fatalf("transition %s to %s: %v", j.ID, status, err)
	}
	return e
}

// equal fails the test when got and want differ.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", what, show(got), show(want))
	}
}

// show prints a value for a failure message, following pointers.
func show(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// ids returns the ids of deliveries, in order.
func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func jobID(j store.Job) string                 { return j.ID }
func deliveryID(d store.Delivery) string       { return d.ID }
func claimedID(c store.ClaimedDelivery) string { return c.Delivery.ID }

// GiveUpWork gives up the pipeline's work on jobID at the given time, as
// the pipeline does after repeated failures: a worker claims the due work,
// releases jobID as given up and gives the other jobs their attempt back.
// For tests above the store that need a given-up job; it fails the test
// unless jobID had work to claim.
func GiveUpWork(t testing.TB, s store.Store, jobID string, at time.Time) {
	t.Helper()
	ctx, worker := t.Context(), "give-up-"+jobID
	claimed, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: at.Add(time.Hour), Lease: time.Minute, Limit: 1000, Worker: worker})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range claimed {
		p := store.ReleaseParams{JobID: c.ID, Worker: worker, Abandoned: c.ID != jobID}
		if c.ID == jobID {
			p.GaveUp, found = at, true
		}
		if err := s.ReleaseJobWork(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if !found {
		t.Fatalf("job %s had no work to give up (claimed %d others)", jobID, len(claimed))
	}
}
