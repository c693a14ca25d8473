package storetest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// runArtwork runs the tests of store.ArtworkStore.
func runArtwork(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"NewVersion", testNewVersion},
		{"VersionFollowsEvents", testVersionFollowsEvents},
		{"NewVersionRefused", testNewVersionRefused},
		{"ClaimJobWork", testClaimJobWork},
		{"JobWorkLease", testJobWorkLease},
		{"JobWorkAttempts", testJobWorkAttempts},
		{"AddVersionFinding", testAddVersionFinding},
		{"RetryProof", testRetryProof},
		{"ServerSecret", testServerSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// upload moves j to uploaded with a new version, as an upload does.
func upload(t *testing.T, s store.Store, j store.Job, from job.Status, when time.Time) store.ArtworkVersion {
	t.Helper()
	v := store.ArtworkVersion{
		ID: id.NewAt(id.ArtworkVersion, when), Filename: "cover.pdf", Size: 1234,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", BlobKey: "jobs/x/original.pdf",
		CreatedAt: when,
	}
	_, err := s.TransitionJob(t.Context(), store.TransitionParams{
		TenantID: j.TenantID, JobID: j.ID, From: []job.Status{from},
		Event: job.Event{ID: id.NewAt(id.Event, when), Type: job.EventUploaded, Status: job.Uploaded,
			ArtworkVersionID: v.ID, OccurredAt: when},
		CurrentVersionID: v.ID, NewVersion: &v,
	})
	if err != nil {
		t.Fatalf("upload to %s: %v", j.ID, err)
	}
	v.JobID, v.TenantID, v.Status = j.ID, j.TenantID, job.Uploaded
	return v
}

// follow moves j to status with an event about version vID.
func follow(t *testing.T, s store.Store, j store.Job, vID string, status job.Status, when time.Time,
	errs []job.Finding, files map[string]string, pages int) {
	t.Helper()
	_, err := s.TransitionJob(t.Context(), store.TransitionParams{
		TenantID: j.TenantID, JobID: j.ID, From: job.Statuses,
		Event: job.Event{ID: id.NewAt(id.Event, when), Type: job.EventType(status), Status: status,
			ArtworkVersionID: vID, Errors: errs, Files: files, OccurredAt: when},
		Pages: pages,
	})
	if err != nil {
		t.Fatalf("move %s to %s: %v", j.ID, status, err)
	}
}

func testNewVersion(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	j := newJob(t, s, tn.ID, at(0))
	v := upload(t, s, j, job.AwaitingUpload, at(time.Second))

	got, err := s.ArtworkVersion(ctx, tn.ID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ArtworkVersion", got, v)
	list, err := s.ListArtworkVersions(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListArtworkVersions", list, []store.ArtworkVersion{v})
	gj, err := s.Job(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gj.CurrentVersionID != v.ID || gj.Status != job.Uploaded {
		t.Errorf("job after upload: current %q, status %s; want %s, uploaded", gj.CurrentVersionID, gj.Status, v.ID)
	}
	if _, err := s.ArtworkVersion(ctx, other.ID, v.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ArtworkVersion of another tenant: %v, want ErrNotFound", err)
	}
	if vs, err := s.ListArtworkVersions(ctx, other.ID, j.ID); err != nil || len(vs) != 0 {
		t.Errorf("ListArtworkVersions of another tenant's job = %v, %v; want none", vs, err)
	}

	// By id, several jobs' versions in one read; another tenant's and
	// unknown ids are left out.
	j2 := newJob(t, s, tn.ID, at(0))
	v2 := upload(t, s, j2, job.AwaitingUpload, at(2*time.Second))
	oj := newJob(t, s, other.ID, at(0))
	ov := upload(t, s, oj, job.AwaitingUpload, at(3*time.Second))
	byID, err := s.ArtworkVersionsByID(ctx, tn.ID, []string{v2.ID, ov.ID, "ver_unknown", v.ID})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(byID, func(a, b store.ArtworkVersion) int { return strings.Compare(a.ID, b.ID) })
	want := []store.ArtworkVersion{v, v2}
	slices.SortFunc(want, func(a, b store.ArtworkVersion) int { return strings.Compare(a.ID, b.ID) })
	equal(t, "ArtworkVersionsByID", byID, want)
	if vs, err := s.ArtworkVersionsByID(ctx, tn.ID, nil); err != nil || len(vs) != 0 {
		t.Errorf("ArtworkVersionsByID of no ids = %v, %v; want none", vs, err)
	}

	// A transition records the artwork fetch state with it, or keeps it.
	fj := jobAt(tn.ID, true, at(5*time.Second))
	fj.ArtworkURL, fj.ArtworkFetch = "https://example.com/a.pdf", store.FetchPending
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: fj}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		to    job.Status
		fetch string
		want  string
	}{{job.Uploaded, "", store.FetchPending}, {job.Preflighting, store.FetchDone, store.FetchDone}} {
		_, err := s.TransitionJob(ctx, store.TransitionParams{TenantID: tn.ID, JobID: fj.ID, From: job.Statuses,
			Event:        job.Event{ID: id.New(id.Event), Type: job.EventType(c.to), Status: c.to, OccurredAt: at(6 * time.Second)},
			ArtworkFetch: c.fetch})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Job(ctx, tn.ID, fj.ID); got.ArtworkFetch != c.want {
			t.Errorf("after a transition with ArtworkFetch %q: %q, want %q", c.fetch, got.ArtworkFetch, c.want)
		}
	}
}

func testVersionFollowsEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	j := newJob(t, s, tn.ID, at(0))
	v1 := upload(t, s, j, job.AwaitingUpload, at(time.Second))
	finding := []job.Finding{{Code: "TRIM_SIZE_MISMATCH", Check: "trim_size", Severity: "error", Message: "Wrong size."}}
	follow(t, s, j, v1.ID, job.Preflighting, at(2*time.Second), nil, nil, 0)
	follow(t, s, j, v1.ID, job.PreflightFailed, at(3*time.Second), finding,
		map[string]string{"preflight_report": "r1.json"}, 2)
	v1.Status, v1.Errors, v1.Files, v1.Pages = job.PreflightFailed, finding, map[string]string{"preflight_report": "r1.json"}, 2

	// A second version; the first keeps its last status.
	v2 := upload(t, s, j, job.PreflightFailed, at(4*time.Second))
	follow(t, s, j, v2.ID, job.Preflighting, at(5*time.Second), nil, nil, 0)
	follow(t, s, j, v2.ID, job.PreflightPassed, at(6*time.Second), []job.Finding{},
		map[string]string{"preflight_report": "r2.json", "processed_pdf": "o2.pdf"}, 3)
	// Errors nil keeps them; files merge.
	follow(t, s, j, v2.ID, job.ProofGenerated, at(7*time.Second), nil, map[string]string{"proof": "p2.pdf"}, 0)
	v2.Status, v2.Errors, v2.Pages = job.ProofGenerated, []job.Finding{}, 3
	v2.Files = map[string]string{"preflight_report": "r2.json", "processed_pdf": "o2.pdf", "proof": "p2.pdf"}

	list, err := s.ListArtworkVersions(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "versions", list, []store.ArtworkVersion{v1, v2})
	// A transition without a version (cancel) leaves the versions alone.
	move(t, s, j, job.Cancelled, at(8*time.Second), "")
	if list, err = s.ListArtworkVersions(ctx, tn.ID, j.ID); err != nil {
		t.Fatal(err)
	}
	equal(t, "versions after cancel", list, []store.ArtworkVersion{v1, v2})
}

func testNewVersionRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	j := newJob(t, s, tn.ID, at(0))
	move(t, s, j, job.Cancelled, at(time.Second), "")
	v := store.ArtworkVersion{ID: id.NewAt(id.ArtworkVersion, at(2*time.Second)), Filename: "a.pdf", CreatedAt: at(2 * time.Second)}
	_, err := s.TransitionJob(ctx, store.TransitionParams{
		TenantID: tn.ID, JobID: j.ID, From: []job.Status{job.AwaitingUpload},
		Event: job.Event{ID: id.New(id.Event), Type: job.EventUploaded, Status: job.Uploaded,
			ArtworkVersionID: v.ID, OccurredAt: at(2 * time.Second)},
		NewVersion: &v,
	})
	if !errors.Is(err, store.ErrStale) {
		t.Fatalf("upload to a cancelled job: %v, want ErrStale", err)
	}
	if vs, _ := s.ListArtworkVersions(ctx, tn.ID, j.ID); len(vs) != 0 {
		t.Errorf("a refused transition stored versions %v", vs)
	}
	// The event must name the new version.
	j2 := newJob(t, s, tn.ID, at(3*time.Second))
	_, err = s.TransitionJob(ctx, store.TransitionParams{
		TenantID: tn.ID, JobID: j2.ID, From: []job.Status{job.AwaitingUpload},
		Event:      job.Event{ID: id.New(id.Event), Type: job.EventUploaded, Status: job.Uploaded, OccurredAt: at(4 * time.Second)},
		NewVersion: &v,
	})
	if err == nil {
		t.Error("a new version the event does not name was accepted")
	}
}

func testClaimJobWork(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	mk := func(n int, status job.Status, fetch string) store.Job {
		j := jobAt(tn.ID, true, at(time.Duration(n)*time.Second))
		j.Status, j.ArtworkFetch = status, fetch
		if fetch != "" {
			j.ArtworkURL = "https://example.com/a.pdf"
		}
		if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
			t.Fatal(err)
		}
		return j
	}
	want := []string{
		mk(1, job.Uploaded, "").ID,
		mk(2, job.Preflighting, "").ID,
		mk(3, job.PreflightPassed, "").ID,
		mk(4, job.AwaitingUpload, store.FetchPending).ID,
	}
	mk(5, job.AwaitingUpload, "")
	mk(6, job.AwaitingUpload, store.FetchFailed)
	mk(7, job.ProofGenerated, "")
	mk(8, job.PreflightFailed, "")
	mk(9, job.Cancelled, store.FetchPending)
	// An operator asked for the artwork URL again after a failed fetch.
	want = append(want, mk(10, job.PreflightFailed, store.FetchPending).ID)

	now := at(time.Minute)
	got, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: now, Lease: time.Minute, Limit: 10, Worker: "w1"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "claimed", ids(got, func(j store.Job) string { return j.ID }), want)
	if again, _ := s.ClaimJobWork(ctx, store.ClaimParams{Now: now, Lease: time.Minute, Limit: 10, Worker: "w2"}); len(again) != 0 {
		t.Errorf("jobs under a lease were claimed again: %v", again)
	}
	// After the lease runs out (the worker died), another worker gets them.
	later, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: now.Add(time.Minute), Lease: time.Minute, Limit: 2, Worker: "w2"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "claimed after the lease", ids(later, func(j store.Job) string { return j.ID }), want[:2])
	// The fetch done, the awaiting job has no work left.
	if err := s.SetArtworkFetch(ctx, want[3], store.FetchDone); err != nil {
		t.Fatal(err)
	}
	rest, _ := s.ClaimJobWork(ctx, store.ClaimParams{Now: now.Add(time.Hour), Lease: time.Minute, Limit: 10, Worker: "w3"})
	if slices.Contains(ids(rest, func(j store.Job) string { return j.ID }), want[3]) {
		t.Error("a job whose artwork was fetched is still claimed")
	}
	if err := s.SetArtworkFetch(ctx, id.New(id.Job), store.FetchDone); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetArtworkFetch of an unknown job: %v, want ErrNotFound", err)
	}
}

func testJobWorkLease(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	j := newJob(t, s, tn.ID, at(0))
	upload(t, s, j, job.AwaitingUpload, at(time.Second))
	now := at(time.Minute)
	claim := func(worker string, now time.Time) int {
		got, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: now, Lease: time.Minute, Limit: 10, Worker: worker})
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	if n := claim("w1", now); n != 1 {
		t.Fatalf("claimed %d jobs, want 1", n)
	}
	if err := s.RenewJobWork(ctx, store.RenewParams{JobID: j.ID, Worker: "w1", Until: now.Add(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if n := claim("w2", now.Add(2*time.Minute)); n != 0 {
		t.Error("a renewed lease was taken over before its new end")
	}
	if err := s.RenewJobWork(ctx, store.RenewParams{JobID: j.ID, Worker: "w2", Until: now.Add(time.Hour)}); !errors.Is(err, store.ErrStale) {
		t.Errorf("renewing another worker's lease: %v, want ErrStale", err)
	}
	if err := s.ReleaseJobWork(ctx, store.ReleaseParams{JobID: j.ID, Worker: "w2"}); err != nil {
		t.Fatal(err)
	}
	if n := claim("w2", now.Add(2*time.Minute)); n != 0 {
		t.Error("another worker released w1's lease")
	}
	if err := s.ReleaseJobWork(ctx, store.ReleaseParams{JobID: j.ID, Worker: "w1"}); err != nil {
		t.Fatal(err)
	}
	if n := claim("w2", now.Add(2*time.Minute)); n != 1 {
		t.Error("a released job was not claimed again")
	}
	if err := s.RenewJobWork(ctx, store.RenewParams{JobID: j.ID, Worker: "w1", Until: now.Add(time.Hour)}); !errors.Is(err, store.ErrStale) {
		t.Errorf("renewing a lost lease: %v, want ErrStale", err)
	}
}

// testJobWorkAttempts: each claim counts until the job's status changes;
// an abandoned claim does not; a job given up on is not claimed again
// until its status changes.
func testJobWorkAttempts(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	j := newJob(t, s, tn.ID, at(0))
	upload(t, s, j, job.AwaitingUpload, at(time.Second))
	now := at(time.Minute)
	claim := func(want int) {
		t.Helper()
		now = now.Add(time.Hour) // past any lease
		got, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: now, Lease: time.Minute, Limit: 10, Worker: "w1"})
		if err != nil {
			t.Fatal(err)
		}
		if want == 0 {
			if len(got) != 0 {
				t.Fatalf("claimed %+v, want nothing", got)
			}
			return
		}
		if len(got) != 1 || got[0].WorkAttempts != want {
			t.Fatalf("claimed %+v, want the job at attempt %d", got, want)
		}
	}
	release := func(p store.ReleaseParams) {
		t.Helper()
		p.JobID, p.Worker = j.ID, "w1"
		if err := s.ReleaseJobWork(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	claim(1)
	claim(2) // the lease ran out: the worker died
	release(store.ReleaseParams{})
	claim(3)
	release(store.ReleaseParams{Abandoned: true})
	claim(3)
	release(store.ReleaseParams{GaveUp: now})
	claim(0)
	move(t, s, j, job.Preflighting, at(2*time.Second), "")
	claim(1)
}

func testAddVersionFinding(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	j := newJob(t, s, tn.ID, at(0))
	v := upload(t, s, j, job.AwaitingUpload, at(time.Second))
	warning := job.Finding{Code: "LOW_RESOLUTION_IMAGE", Check: "images", Severity: "warning", Message: "Soft."}
	follow(t, s, j, v.ID, job.Preflighting, at(2*time.Second), nil, nil, 0)
	follow(t, s, j, v.ID, job.PreflightPassed, at(3*time.Second), []job.Finding{warning}, nil, 1)
	failed := job.Finding{Code: "PROOF_RENDER_FAILED", Check: "proof", Severity: "error", Message: "No proof."}
	if err := s.AddVersionFinding(ctx, store.AddFindingParams{TenantID: tn.ID, VersionID: v.ID, Finding: failed}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ArtworkVersion(ctx, tn.ID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "errors", got.Errors, []job.Finding{warning, failed})
	other := newTenant(t, s, "other")
	if err := s.AddVersionFinding(ctx, store.AddFindingParams{TenantID: other.ID, VersionID: v.ID, Finding: failed}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant's version: %v, want ErrNotFound", err)
	}
}

// giveUpProof brings j to preflight_passed with errs on its new version
// and gives up its proof at when+3s (GiveUpWork).
func giveUpProof(t *testing.T, s store.Store, j store.Job, when time.Time, errs []job.Finding) store.ArtworkVersion {
	t.Helper()
	v := upload(t, s, j, job.AwaitingUpload, when)
	follow(t, s, j, v.ID, job.Preflighting, when.Add(time.Second), nil, nil, 0)
	follow(t, s, j, v.ID, job.PreflightPassed, when.Add(2*time.Second), errs, nil, 1)
	GiveUpWork(t, s, j.ID, when.Add(3*time.Second))
	return v
}

// testRetryProof: a given-up proof is visible on the job, and retrying it
// clears that, drops the failure's findings but no others and lets the
// pipeline claim the job again; only once, and only the tenant's.
func testRetryProof(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn, other := newTenant(t, s, "acme"), newTenant(t, s, "other")
	j := newJob(t, s, tn.ID, at(0))
	warning := job.Finding{Code: "LOW_RESOLUTION_IMAGE", Check: "images", Severity: "warning", Message: "Soft."}
	failed := job.Finding{Code: "PROOF_RENDER_FAILED", Check: "proof", Severity: "error", Message: "No proof."}
	v := giveUpProof(t, s, j, at(time.Second), []job.Finding{warning})
	if err := s.AddVersionFinding(ctx, store.AddFindingParams{TenantID: tn.ID, VersionID: v.ID, Finding: failed}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.WorkGaveUpAt.Equal(at(4 * time.Second)) {
		t.Errorf("WorkGaveUpAt = %v, want %v", got.WorkGaveUpAt, at(4*time.Second))
	}
	if err := s.RetryProof(ctx, store.RetryProofParams{TenantID: other.ID, JobID: j.ID, DropCodes: []string{failed.Code}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant's job: %v, want ErrNotFound", err)
	}
	if err := s.RetryProof(ctx, store.RetryProofParams{TenantID: tn.ID, JobID: "ses_unknown", DropCodes: []string{failed.Code}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown job: %v, want ErrNotFound", err)
	}
	if err := s.RetryProof(ctx, store.RetryProofParams{TenantID: tn.ID, JobID: j.ID, DropCodes: []string{failed.Code}}); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Job(ctx, tn.ID, j.ID); err != nil || !got.WorkGaveUpAt.IsZero() {
		t.Errorf("after the retry WorkGaveUpAt = %v (%v), want zero", got.WorkGaveUpAt, err)
	}
	gotV, err := s.ArtworkVersion(ctx, tn.ID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "errors after the retry", gotV.Errors, []job.Finding{warning})
	if err := s.RetryProof(ctx, store.RetryProofParams{TenantID: tn.ID, JobID: j.ID, DropCodes: []string{failed.Code}}); !errors.Is(err, store.ErrStale) {
		t.Errorf("retrying twice: %v, want ErrStale", err)
	}
	claimed, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: at(2 * time.Hour), Lease: time.Minute, Limit: 10, Worker: "w2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 1 || claimed[0].ID != j.ID || claimed[0].WorkAttempts != 1 {
		t.Errorf("claimed after the retry %+v, want %s at attempt 1", claimed, j.ID)
	}
}

func testServerSecret(t *testing.T, s store.Store) {
	ctx := t.Context()
	first, err := s.ServerSecret(ctx, "file-links", []byte("first-secret"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.ServerSecret(ctx, "file-links", []byte("second-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, []byte("first-secret")) || !bytes.Equal(second, first) {
		t.Errorf("ServerSecret = %q then %q; want the first candidate both times", first, second)
	}
	other, err := s.ServerSecret(ctx, "other", []byte("x"))
	if err != nil || string(other) != "x" {
		t.Errorf("another name = %q, %v", other, err)
	}
}
