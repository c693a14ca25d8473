package manage

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// createdByRow is the job page's "Created by" value.
var createdByRow = regexp.MustCompile(`(?s)<dd id="created-by">(.*?)</dd>`)

// TestJobPageCreatedBy: the job page names the key that created the job,
// escaped, and says when that was not recorded.
func TestJobPageCreatedBy(t *testing.T) {
	t.Parallel()
	e := setup(t)
	keyID := id.New(id.APIKey)
	byKey := e.flow.NewJob(workflow.NewJobParams{TenantID: e.acme.ID, ExternalID: "BY-KEY",
		CreatedBy: job.Creator{Type: job.ActorAPIKey, ID: keyID, Name: "ERP <prod>"}})
	if err := e.flow.CreateJob(t.Context(), byKey, nil); err != nil {
		t.Fatal(err)
	}
	unknown := e.newJob(e.acme.ID, "UNKNOWN", "")
	b := e.signIn("op@acme.test")

	res, body := b.get("/manage/jobs/" + byKey.ID)
	wantStatus(t, "job page", res, body, http.StatusOK)
	m := createdByRow.FindStringSubmatch(body)
	if m == nil || !strings.Contains(m[1], "API key") || !strings.Contains(m[1], "ERP &lt;prod&gt;") || !strings.Contains(m[1], keyID) {
		t.Errorf("Created by = %q, want the key's escaped name and id", m)
	}
	if !strings.Contains(body, `badge test`) {
		t.Error("the test job's page has no test badge")
	}
	res, body = b.get("/manage/jobs/" + unknown.ID)
	wantStatus(t, "job page", res, body, http.StatusOK)
	if m := createdByRow.FindStringSubmatch(body); m == nil || !strings.Contains(m[1], "not recorded") {
		t.Errorf("Created by of a job without one = %q", m)
	}
}
