package api_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

// keyID is the id of the tenant's key with the given name.
func (e *env) keyID(t *testing.T, name string) string {
	t.Helper()
	keys, err := e.store.ListAPIKeys(t.Context(), e.tenantID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Name == name {
			return k.ID
		}
	}
	t.Fatalf("no key named %q", name)
	return ""
}

// wantCreatedBy checks a job object's createdBy.
func wantCreatedBy(t *testing.T, what string, body map[string]any, keyID, name string) {
	t.Helper()
	c, _ := body["createdBy"].(map[string]any)
	if c["type"] != "api_key" || c["id"] != keyID || c["name"] != name || len(c) != 3 {
		t.Errorf("%s: createdBy = %v, want the api_key %s named %q", what, body["createdBy"], keyID, name)
	}
}

// TestJobCreatedBy: a job names the key that created it, in the answer
// to POST, in GET and in the list, and a replayed POST answers the same.
func TestJobCreatedBy(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.post("/api/jobs", `{"externalId":"BY-KEY"}`, e.test, "Idempotency-Key", "by-key-1")
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	testKey := e.keyID(t, "erp test")
	created := r.json(t)
	wantCreatedBy(t, "POST", created, testKey, "erp test")
	id := created["id"].(string)
	wantCreatedBy(t, "GET", e.get("/api/jobs/"+id, e.test).json(t), testKey, "erp test")
	list, _ := e.get("/api/jobs", e.test).json(t)["data"].([]any)
	if len(list) != 1 {
		t.Fatalf("list = %v", list)
	}
	wantCreatedBy(t, "list", list[0].(map[string]any), testKey, "erp test")
	replayed := e.post("/api/jobs", `{"externalId":"BY-KEY"}`, e.test, "Idempotency-Key", "by-key-1")
	wantCreatedBy(t, "replayed POST", replayed.json(t), testKey, "erp test")

	live := e.post("/api/jobs", `{"externalId":"BY-LIVE-KEY"}`, e.live).json(t)
	wantCreatedBy(t, "POST with the live key", live, e.keyID(t, "erp"), "erp")
}

// TestDeleteTestJob deletes a test job that has everything a job can
// have (an uploaded file, a preflight report and proof pages on disk, events, a
// delivered callback with its attempt, its idempotency record) and checks
// that all of it is gone and nothing else is.
func TestDeleteTestJob(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db store.Store) {
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(receiver.Close)
		e := start(t, db, withCallbacks(callback.Schedule{0}))
		ctx := t.Context()

		body := `{"externalId":"TEST-DELETE","callbackURL":"` + receiver.URL + `/hook"}`
		r := e.post("/api/jobs", body, e.test, "Idempotency-Key", "delete-me")
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		id := r.json(t)["id"].(string)
		kept := e.createJob(e.test, "TEST-KEEP")
		up := e.do("PUT", "/api/jobs/"+id+"/artwork?filename=a.pdf", "%PDF-1.7\n%%EOF\n",
			"Authorization", "Bearer "+e.test, "Content-Type", "application/pdf")
		if up.status != http.StatusCreated {
			t.Fatalf("upload: %d %s", up.status, up.body)
		}
		versions, _ := up.json(t)["artworkVersions"].([]any)
		vID := versions[0].(map[string]any)["id"].(string)
		// What the pipeline would write beside the upload.
		for _, key := range []string{workflow.ReportKey(id, vID), workflow.ProofPageKey(id, vID, 1), workflow.ProofKey(id, vID)} {
			if _, err := e.flow.Blobs.Put(ctx, key, strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
		}
		var delivery string
		waitFor(t, "the uploaded event's callback", func() bool {
			ds, err := e.store.ListDeliveries(ctx, e.tenantID, id)
			if err != nil || len(ds) != 1 {
				return false
			}
			delivery = ds[0].ID
			return ds[0].State == store.DeliveryDelivered
		})
		folder := filepath.Join(e.dataDir, "files", filepath.FromSlash(workflow.JobPrefix(id)))
		if _, err := os.Stat(filepath.Join(folder, vID, "proof", "page-0001.jpg")); err != nil {
			t.Fatalf("the proof page is not on disk before the delete: %v", err)
		}

		del := e.do("DELETE", "/api/jobs/"+id, "", "Authorization", "Bearer "+e.test)
		if del.status != http.StatusNoContent || len(del.body) != 0 {
			t.Fatalf("DELETE: %d %q, want 204 without a body", del.status, del.body)
		}
		wantProblem(t, e.get("/api/jobs/"+id, e.test), http.StatusNotFound, "not-found")
		wantProblem(t, e.get("/api/jobs/"+id+"/events", e.test), http.StatusNotFound, "not-found")
		if evs, err := e.store.ListEvents(ctx, e.tenantID, id); err != nil || len(evs) != 0 {
			t.Errorf("events after delete: %d, %v", len(evs), err)
		}
		if ds, err := e.store.ListDeliveries(ctx, e.tenantID, id); err != nil || len(ds) != 0 {
			t.Errorf("deliveries after delete: %d, %v", len(ds), err)
		}
		if as, err := e.store.ListAttempts(ctx, delivery); err != nil || len(as) != 0 {
			t.Errorf("attempts after delete: %d, %v", len(as), err)
		}
		if vs, err := e.store.ListArtworkVersions(ctx, e.tenantID, id); err != nil || len(vs) != 0 {
			t.Errorf("artwork versions after delete: %d, %v", len(vs), err)
		}
		if _, err := os.Stat(folder); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the job's files are on disk after delete: %v", err)
		}
		if _, err := e.store.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: e.tenantID, Key: "delete-me"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the idempotency record after delete: %v", err)
		}
		// The same request again makes a new job, rather than replaying
		// the deleted one.
		again := e.post("/api/jobs", body, e.test, "Idempotency-Key", "delete-me")
		if again.status != http.StatusCreated || again.header.Get("Idempotent-Replayed") != "" || again.json(t)["id"] == id {
			t.Errorf("POST with the deleted job's idempotency key: %d %s", again.status, again.body)
		}
		if r := e.get("/api/jobs/"+kept, e.test); r.status != http.StatusOK {
			t.Errorf("the other test job after the delete: %d", r.status)
		}
		p := wantProblem(t, e.do("DELETE", "/api/jobs/"+id, "", "Authorization", "Bearer "+e.test), http.StatusNotFound, "not-found")
		if !strings.Contains(p["detail"].(string), id) {
			t.Errorf("the 404 of a second DELETE should name the job: %v", p["detail"])
		}
	})
}

// TestDeleteRefused: a live job is refused with words that say to cancel
// it; a job of the other mode or of another tenant is not found; and
// none of them is touched.
func TestDeleteRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	liveJob := e.createJob(e.live, "LIVE-1")
	testJob := e.createJob(e.test, "TEST-1")
	other, _, err := e.vault.EnsureTenant(t.Context(), "globex")
	if err != nil {
		t.Fatal(err)
	}
	_, otherTest, err := e.vault.CreateKey(t.Context(), vault.KeyParams{TenantID: other.ID, Name: "globex test"})
	if err != nil {
		t.Fatal(err)
	}
	del := func(jobID, key string) response {
		return e.do("DELETE", "/api/jobs/"+jobID, "", "Authorization", "Bearer "+key)
	}

	p := wantProblem(t, del(liveJob, e.live), http.StatusConflict, "live-job")
	if d := p["detail"].(string); !strings.Contains(d, "cancel") || !strings.Contains(d, "/api/jobs/"+liveJob+"/cancel") {
		t.Errorf("the refusal should say to cancel the job instead: %q", d)
	}
	wantProblem(t, del(testJob, e.live), http.StatusNotFound, "not-found") // a live key sees no test job
	wantProblem(t, del(liveJob, e.test), http.StatusNotFound, "not-found")
	wantProblem(t, del(testJob, otherTest), http.StatusNotFound, "not-found")
	wantProblem(t, del("ses_00000000000000000000000000", e.test), http.StatusNotFound, "not-found")
	wantProblem(t, del("42", e.test), http.StatusNotFound, "not-found")
	for _, c := range []struct{ id, key string }{{liveJob, e.live}, {testJob, e.test}} {
		if r := e.get("/api/jobs/"+c.id, c.key); r.status != http.StatusOK {
			t.Errorf("%s after refused deletes: %d", c.id, r.status)
		}
	}
}

// waitFor polls cond until it holds; the deadline only keeps a broken
// worker from hanging the test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// refusingDeletes is a file storage that cannot delete.
type refusingDeletes struct{ blob.Store }

func (refusingDeletes) DeletePrefix(context.Context, string) error {
	return errors.New("access denied")
}

// TestDeleteWhenFilesStay: a storage that refuses to delete the job's
// files does not fail the delete, which the database has done: 204, and
// the job is gone (the server logs the files left behind).
func TestDeleteWhenFilesStay(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.createJob(e.test, "TEST-FILES-STAY")
	e.flow.Blobs = refusingDeletes{e.flow.Blobs}
	if r := e.do("DELETE", "/api/jobs/"+id, "", "Authorization", "Bearer "+e.test); r.status != http.StatusNoContent {
		t.Fatalf("DELETE with a storage that refuses: %d %s, want 204", r.status, r.body)
	}
	wantProblem(t, e.get("/api/jobs/"+id, e.test), http.StatusNotFound, "not-found")
}
