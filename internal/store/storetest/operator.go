package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// runOperator runs the conformance tests of store.OperatorStore, for stores
// that implement it.
func runOperator(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, o store.OperatorStore)
	}{
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"DisableUser", testDisableUser},
		{"SetUserPassword", testSetUserPassword},
		{"Audit", testAudit},
		{"JobCounts", testJobCounts},
		{"DeliveryCounts", testDeliveryCounts},
		{"FetchFailures", testFetchFailures},
		{"ProofFailures", testProofFailures},
	}
	for _, tt := range tests {
		t.Run("Operator"+tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			o, ok := s.(store.OperatorStore)
			if !ok {
				t.Skipf("%T does not implement store.OperatorStore", s)
			}
			tt.fn(t, s, o)
		})
	}
}

func testUsers(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	a, b := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	ann := store.User{ID: id.NewAt(id.User, at(0)), TenantID: a.ID, Email: "Ann@Example.com",
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", Role: store.RoleAdmin, CreatedAt: at(0)}
	bob := store.User{ID: id.NewAt(id.User, at(time.Second)), TenantID: a.ID, Email: "bob@example.com",
		PasswordHash: "h", Role: store.RoleOperator, CreatedAt: at(time.Second)}
	for _, u := range []store.User{bob, ann} {
		if err := o.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// Emails are unique across tenants and compared without case.
	dup := store.User{ID: id.New(id.User), TenantID: b.ID, Email: "ann@EXAMPLE.com", PasswordHash: "h",
		Role: store.RoleAdmin, CreatedAt: at(0)}
	if err := o.CreateUser(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateUser with a taken email in another tenant: %v, want ErrConflict", err)
	}
	got, err := o.UserByEmail(ctx, "ANN@example.COM")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "UserByEmail", got, ann)
	if got, err = o.User(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	equal(t, "User", got, bob)
	us, err := o.ListUsers(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListUsers", us, []store.User{ann, bob})
	if us, err = o.ListUsers(ctx, b.ID); err != nil || len(us) != 0 {
		t.Errorf("ListUsers of another tenant = %v, %v; want none", us, err)
	}
	if _, err := o.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByEmail of an unknown email: %v, want ErrNotFound", err)
	}
	if _, err := o.User(ctx, id.New(id.User)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User of an unknown id: %v, want ErrNotFound", err)
	}
}

// newUser creates an admin of the tenant.
func newUser(t *testing.T, o store.OperatorStore, tenantID, email string) store.User {
	t.Helper()
	u := store.User{ID: id.New(id.User), TenantID: tenantID, Email: email, PasswordHash: "h",
		Role: store.RoleAdmin, CreatedAt: at(0)}
	if err := o.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// sessionsOf creates n sessions of u and returns their token hashes.
func sessionsOf(t *testing.T, o store.OperatorStore, u store.User, n int) [][]byte {
	t.Helper()
	var hs [][]byte
	for i := range n {
		h := []byte(fmt.Sprintf("%s-session-%02d-0123456789abcdef", u.ID, i))
		if err := o.CreateSession(t.Context(), store.Session{TokenHash: h, UserID: u.ID, TenantID: u.TenantID,
			CSRFToken: "csrf", CreatedAt: at(0), ExpiresAt: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	return hs
}

// signedIn reports which of the token hashes still name a session.
func signedIn(t *testing.T, o store.OperatorStore, hs [][]byte) []bool {
	t.Helper()
	out := make([]bool, len(hs))
	for i, h := range hs {
		_, err := o.Session(t.Context(), h, at(time.Minute))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		out[i] = err == nil
	}
	return out
}

// testDisableUser: disabling shows on every read of the user and ends
// their sessions, not others'; enabling clears it; only the tenant's.
func testDisableUser(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	tn, other := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	ann, bob := newUser(t, o, tn.ID, "ann@example.com"), newUser(t, o, tn.ID, "bob@example.com")
	annS, bobS := sessionsOf(t, o, ann, 2), sessionsOf(t, o, bob, 1)
	if err := o.SetUserDisabled(ctx, store.SetUserDisabledParams{TenantID: other.ID, UserID: ann.ID, At: at(time.Minute)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disabling another tenant's user: %v, want ErrNotFound", err)
	}
	if err := o.SetUserDisabled(ctx, store.SetUserDisabledParams{TenantID: tn.ID, UserID: ann.ID, At: at(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	byID, err := o.User(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	byEmail, err := o.UserByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	list, err := o.ListUsers(ctx, tn.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListUsers = %d, %v", len(list), err)
	}
	listed := map[string]store.User{list[0].ID: list[0], list[1].ID: list[1]}
	for what, u := range map[string]store.User{"User": byID, "UserByEmail": byEmail, "ListUsers": listed[ann.ID]} {
		if !u.DisabledAt.Equal(at(time.Minute)) {
			t.Errorf("%s: DisabledAt = %v, want %v", what, u.DisabledAt, at(time.Minute))
		}
	}
	if !listed[bob.ID].DisabledAt.IsZero() {
		t.Error("disabling ann disabled bob")
	}
	equal(t, "ann's sessions after disabling", signedIn(t, o, annS), []bool{false, false})
	equal(t, "bob's sessions after disabling ann", signedIn(t, o, bobS), []bool{true})
	if err := o.SetUserDisabled(ctx, store.SetUserDisabledParams{TenantID: tn.ID, UserID: ann.ID}); err != nil {
		t.Fatal(err)
	}
	if u, err := o.User(ctx, ann.ID); err != nil || !u.DisabledAt.IsZero() {
		t.Errorf("after enabling: DisabledAt = %v, %v", u.DisabledAt, err)
	}
}

// testSetUserPassword: a new hash replaces the old and ends the user's
// sessions but the one kept; nil keeps none; only the tenant's.
func testSetUserPassword(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	tn, other := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	ann, bob := newUser(t, o, tn.ID, "ann@example.com"), newUser(t, o, tn.ID, "bob@example.com")
	annS, bobS := sessionsOf(t, o, ann, 3), sessionsOf(t, o, bob, 1)
	p := store.SetPasswordParams{TenantID: other.ID, UserID: ann.ID, PasswordHash: "$argon2id$new", Keep: annS[1]}
	if err := o.SetUserPassword(ctx, p); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant's user: %v, want ErrNotFound", err)
	}
	p.TenantID = tn.ID
	if err := o.SetUserPassword(ctx, p); err != nil {
		t.Fatal(err)
	}
	if u, err := o.User(ctx, ann.ID); err != nil || u.PasswordHash != "$argon2id$new" {
		t.Errorf("hash after the change = %q, %v", u.PasswordHash, err)
	}
	equal(t, "ann's sessions", signedIn(t, o, annS), []bool{false, true, false})
	equal(t, "bob's sessions", signedIn(t, o, bobS), []bool{true})
	p.Keep = nil
	if err := o.SetUserPassword(ctx, p); err != nil {
		t.Fatal(err)
	}
	equal(t, "ann's sessions after a reset", signedIn(t, o, annS), []bool{false, false, false})
}

func testSessions(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	u := newUser(t, o, tn.ID, "ann@example.com")
	live := store.Session{TokenHash: []byte("0123456789abcdef0123456789abcdef"), UserID: u.ID, TenantID: tn.ID,
		CSRFToken: "csrf-1", CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	old := store.Session{TokenHash: []byte("fedcba9876543210fedcba9876543210"), UserID: u.ID, TenantID: tn.ID,
		CSRFToken: "csrf-2", CreatedAt: at(0), ExpiresAt: at(time.Minute)}
	for _, se := range []store.Session{live, old} {
		if err := o.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	got, err := o.Session(ctx, live.TokenHash, at(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Session", got, live)
	if _, err := o.Session(ctx, old.TokenHash, at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session at its expiry: %v, want ErrNotFound", err)
	}
	if _, err := o.Session(ctx, []byte("unknown"), at(0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session of an unknown token: %v, want ErrNotFound", err)
	}
	n, err := o.DeleteExpiredSessions(ctx, at(2*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if _, err := o.Session(ctx, live.TokenHash, at(0)); err != nil {
		t.Errorf("the live session went with the expired one: %v", err)
	}
	for range 2 { // deleting twice is no error
		if err := o.DeleteSession(ctx, live.TokenHash); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.Session(ctx, live.TokenHash, at(0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Session after sign-out: %v, want ErrNotFound", err)
	}
}

func testAudit(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	a, b := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	var want []store.AuditEntry
	for i, action := range []string{"key.create", "secret.rotate", "key.revoke"} {
		e := store.AuditEntry{ID: id.NewAt("aud", at(time.Duration(i)*time.Second)), TenantID: a.ID,
			Actor: "usr_1", ActorEmail: "ann@example.com", Action: action, Target: "key_1",
			Detail: "detail", At: at(time.Duration(i) * time.Second)}
		if err := o.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		want = append([]store.AuditEntry{e}, want...)
	}
	if err := o.AppendAudit(ctx, store.AuditEntry{ID: id.New("aud"), TenantID: b.ID, Actor: "cli",
		Action: "user.create", At: at(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err := o.ListAudit(ctx, store.ListAuditParams{TenantID: a.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListAudit", got, want)
	if got, err = o.ListAudit(ctx, store.ListAuditParams{TenantID: a.ID, Limit: 2}); err != nil || len(got) != 2 || got[0].Action != "key.revoke" {
		t.Errorf("ListAudit with limit 2 = %+v, %v", got, err)
	}
	if got, err = o.ListAudit(ctx, store.ListAuditParams{TenantID: a.ID, Before: want[1].ID, Limit: 10}); err != nil {
		t.Fatal(err)
	}
	equal(t, "ListAudit before the second", got, want[2:])
	// Another tenant's id as the cursor lists nothing of either.
	others, _ := o.ListAudit(ctx, store.ListAuditParams{TenantID: b.ID, Limit: 1})
	if got, err = o.ListAudit(ctx, store.ListAuditParams{TenantID: a.ID, Before: others[0].ID}); err != nil || len(got) != 0 {
		t.Errorf("ListAudit before another tenant's entry = %+v, %v", got, err)
	}
}

func testJobCounts(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	a, b := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	j1 := newJob(t, s, a.ID, at(0))
	newJob(t, s, a.ID, at(time.Second))
	newJob(t, s, b.ID, at(2*time.Second))
	move(t, s, j1, job.Uploaded, at(time.Minute), "")
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: jobAt(a.ID, false, at(3*time.Second))}); err != nil {
		t.Fatal(err)
	}
	live, err := o.JobCounts(ctx, a.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "live JobCounts", live, map[job.Status]int{job.AwaitingUpload: 1, job.Uploaded: 1})
	test, err := o.JobCounts(ctx, a.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "test JobCounts", test, map[job.Status]int{job.AwaitingUpload: 1})
}

func testDeliveryCounts(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	tn, other := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	// Job 1: one delivered, one failed for good; job 2: failed long ago and
	// still open.
	j1, j2 := newJob(t, s, tn.ID, at(0)), newJob(t, s, tn.ID, at(time.Second))
	e1 := move(t, s, j1, job.Uploaded, at(time.Hour), hookA)
	e2 := move(t, s, j1, job.Preflighting, at(time.Hour+time.Second), hookB)
	e3 := move(t, s, j2, job.Uploaded, at(time.Minute), hookA)
	finish := func(e job.Event, url, outcome string, when time.Time) {
		t.Helper()
		for _, c := range claim(t, s, when, "w") {
			if c.Delivery.EventID != e.ID || c.Delivery.URL != url {
				continue
			}
			if _, err := record(t, s, c.Delivery.ID, "w", outcome, 500, when, time.Time{}); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("no delivery of %s to %s due at %s", e.ID, url, when)
	}
	finish(e3, hookA, store.DeliveryFailed, at(time.Minute))
	finish(e1, hookA, store.DeliveryDelivered, at(time.Hour))
	finish(e2, hookB, store.DeliveryFailed, at(time.Hour+time.Second))
	// A test ping is not a delivery of an event and counts nowhere.
	for _, state := range []string{store.DeliveryDelivered, store.DeliveryFailed} {
		p, when := ping(tn.ID, at(time.Hour)), at(time.Hour)
		p.State, p.DeliveredAt, p.FailedAt = state, &when, &when
		if err := s.CreateDelivery(ctx, p); err != nil {
			t.Fatal(err)
		}
	}

	got, err := o.DeliveryCounts(ctx, store.DeliveryCountsParams{TenantID: tn.ID, Livemode: true, Since: at(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "DeliveryCounts since 0:30", got, store.DeliveryCounts{Delivered: 1, Failed: 1, OpenExceptions: 2})
	if got, err = o.DeliveryCounts(ctx, store.DeliveryCountsParams{TenantID: tn.ID, Livemode: true, Since: at(0)}); err != nil {
		t.Fatal(err)
	}
	equal(t, "DeliveryCounts since 0:00", got, store.DeliveryCounts{Delivered: 1, Failed: 2, OpenExceptions: 2})
	if got, err = o.DeliveryCounts(ctx, store.DeliveryCountsParams{TenantID: tn.ID, Livemode: false, Since: at(0)}); err != nil {
		t.Fatal(err)
	}
	equal(t, "test-mode DeliveryCounts", got, store.DeliveryCounts{})
	if got, err = o.DeliveryCounts(ctx, store.DeliveryCountsParams{TenantID: other.ID, Livemode: true, Since: at(0)}); err != nil {
		t.Fatal(err)
	}
	equal(t, "another tenant's DeliveryCounts", got, store.DeliveryCounts{})
}

func testFetchFailures(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	a, b := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	mk := func(tenantID string, live bool, created time.Time, fetch string, status job.Status) store.Job {
		t.Helper()
		j := jobAt(tenantID, live, created)
		j.ArtworkURL, j.ArtworkFetch, j.Status = "https://example.com/a.pdf", fetch, status
		j.UpdatedAt = created
		if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
			t.Fatal(err)
		}
		return j
	}
	older := mk(a.ID, true, at(0), store.FetchFailed, job.AwaitingUpload)
	newer := mk(a.ID, true, at(time.Second), store.FetchFailed, job.AwaitingUpload)
	mk(a.ID, true, at(2*time.Second), store.FetchFailed, job.Cancelled) // final: nothing to do
	mk(a.ID, true, at(3*time.Second), store.FetchPending, job.AwaitingUpload)
	mk(a.ID, false, at(4*time.Second), store.FetchFailed, job.AwaitingUpload)
	mk(b.ID, true, at(5*time.Second), store.FetchFailed, job.AwaitingUpload)
	got, err := o.ListFetchFailures(ctx, store.FailedJobsParams{TenantID: a.ID, Livemode: true})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListFetchFailures", ids(got, jobID), []string{newer.ID, older.ID})
	if got, err = o.ListFetchFailures(ctx, store.FailedJobsParams{TenantID: a.ID, Livemode: true, Limit: 1}); err != nil || len(got) != 1 {
		t.Errorf("ListFetchFailures with limit 1 = %d jobs, %v", len(got), err)
	}
}

func testProofFailures(t *testing.T, s store.Store, o store.OperatorStore) {
	ctx := t.Context()
	a, b := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	mk := func(tenantID string, live bool, created time.Time, gaveUp bool) store.Job {
		t.Helper()
		j := jobAt(tenantID, live, created)
		if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
			t.Fatal(err)
		}
		if gaveUp {
			giveUpProof(t, s, j, created, nil)
		}
		return j
	}
	older := mk(a.ID, true, at(0), true)
	newer := mk(a.ID, true, at(time.Minute), true)
	mk(a.ID, true, at(2*time.Minute), false) // waiting for an upload
	mk(a.ID, false, at(3*time.Minute), true) // the other mode
	mk(b.ID, true, at(4*time.Minute), true)  // another tenant's
	moved := mk(a.ID, true, at(5*time.Minute), true)
	move(t, s, moved, job.Cancelled, at(6*time.Minute), "") // no longer waiting
	got, err := o.ListProofFailures(ctx, store.FailedJobsParams{TenantID: a.ID, Livemode: true})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListProofFailures", ids(got, jobID), []string{newer.ID, older.ID})
	if got[0].WorkGaveUpAt.IsZero() {
		t.Errorf("ListProofFailures returned %s without WorkGaveUpAt", got[0].ID)
	}
	if got, err = o.ListProofFailures(ctx, store.FailedJobsParams{TenantID: a.ID, Livemode: true, Limit: 1}); err != nil || len(got) != 1 {
		t.Errorf("ListProofFailures with limit 1 = %d jobs, %v", len(got), err)
	}
}
