package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
)

func TestCreateMinimalJob(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.post("/api/jobs", `{"externalId": "TEST-ORDER-10001"}`, e.live)
	if r.status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	j := r.json(t)
	id := j["id"].(string)
	if !strings.HasPrefix(id, "ses_") || r.header.Get("Location") != "/api/jobs/"+id {
		t.Errorf("id %q, Location %q", id, r.header.Get("Location"))
	}
	if j["status"] != "awaiting_upload" || j["externalId"] != "TEST-ORDER-10001" || j["livemode"] != true {
		t.Errorf("job = %v", j)
	}
	if u := j["uploadURL"].(string); !strings.HasPrefix(u, "https://submit.example.com/u/") || len(u) < len("https://submit.example.com/u/")+22 {
		t.Errorf("uploadURL %q must be under the public URL with a 128-bit token", u)
	}
	for _, k := range []string{"metadata", "artworkVersions", "errors"} {
		if arr, ok := j[k].([]any); !ok || len(arr) != 0 {
			t.Errorf("%s = %v, want []", k, j[k])
		}
	}
	got := e.get("/api/jobs/"+id, e.live)
	if got.status != http.StatusOK || compactJSON(t, got.body) != compactJSON(t, r.body) {
		t.Errorf("GET differs from the create response:\n%s\n%s", got.body, r.body)
	}
}

func TestCreateFullJob(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `{
	  "externalId": "TEST-ORDER-10001",
	  "metadata": [{"propertyId": "orderNumber", "propertyName": "Order number", "value": "TEST-ORDER-10001"}],
	  "brand": {"color": "#1A73E8", "logo": "https://example.com/assets/logo.png"},
	  "artwork": {"url": "https://example.com/files/artwork.pdf"},
	  "callbackURL": "https://erp.example.com/hooks/submit",
	  "preflight": {"profile": "default", "trimSize": {"width": 210, "height": 297, "unit": "mm"}, "pageCount": 2, "bleed": {"size": 3, "unit": "mm"}}
	}`
	r := e.post("/api/jobs", body, e.live)
	if r.status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	j := r.json(t)
	md := j["metadata"].([]any)[0].(map[string]any)
	pf := j["preflight"].(map[string]any)
	if md["propertyName"] != "Order number" || j["brand"].(map[string]any)["color"] != "#1A73E8" ||
		j["callbackURL"] != "https://erp.example.com/hooks/submit" || pf["pageCount"] != float64(2) ||
		pf["trimSize"].(map[string]any)["width"] != float64(210) || pf["bleed"].(map[string]any)["unit"] != "mm" {
		t.Errorf("job does not carry the request: %s", r.body)
	}
}

func TestValidationReportsEveryProblem(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `{
	  "externalId": "",
	  "callbackUrl": "https://erp.example.com/hook",
	  "metadata": [
	    {"propertyId": "a", "propertyName": "A", "value": "1"},
	    {"propertyId": "a", "propertyName": "", "value": 5},
	    {"propertyId": "b", "propertyName": "B"}
	  ],
	  "brand": {"color": "blue", "logo": "http://example.com/logo.png"},
	  "artwork": {"url": "https://user:pw@example.com/a.pdf"},
	  "preflight": {"trimSize": {"width": -1, "height": 297, "unit": "cm"}, "pageCount": 1.5, "bleed": {"size": 3}},
	  "colour": "#fff"
	}`
	p := wantProblem(t, e.post("/api/jobs", body, e.live), http.StatusBadRequest, "validation")
	got := pointers(p)
	want := map[string]string{
		"/externalId":               "must not be empty",
		"/callbackUrl":              "did you mean callbackURL?",
		"/colour":                   "unknown field",
		"/metadata/1/propertyId":    "each propertyId must be unique",
		"/metadata/1/propertyName":  "must not be empty",
		"/metadata/1/value":         "must be a string, not a number",
		"/metadata/2/value":         "is required",
		"/brand/color":              "hex colour",
		"/brand/logo":               "must use https",
		"/artwork/url":              "user name or password",
		"/preflight/trimSize/width": "from 1 to 10000",
		"/preflight/trimSize/unit":  "mm, in, pt",
		"/preflight/pageCount":      "whole number",
		"/preflight/bleed/unit":     "is required",
	}
	for ptr, frag := range want {
		if !strings.Contains(got[ptr], frag) {
			t.Errorf("%s: detail %q should contain %q", ptr, got[ptr], frag)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(got), len(want), got)
	}
	if n := countJobs(t, e, true); n != 0 {
		t.Errorf("a refused request left %d jobs", n)
	}
}

func TestPrivateURLsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, u := range []string{"https://localhost/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://[::1]/x",
		"https://169.254.169.254/latest", "https://192.168.0.1/", "https://100.64.0.1/", "https://[::ffff:10.0.0.1]/", "ftp://example.com/x"} {
		r := e.post("/api/jobs", fmt.Sprintf(`{"externalId":"X","callbackURL":%q}`, u), e.live)
		p := wantProblem(t, r, http.StatusBadRequest, "validation")
		if _, ok := pointers(p)["/callbackURL"]; !ok {
			t.Errorf("%s: accepted", u)
		}
	}
}

func TestInvalidJSONSaysWhere(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, tc := range []struct{ body, want string }{
		{"{\n  \"externalId\": \"X\",\n}", "line 3, column 1"},
		{`{"externalId": "X"`, "line 1"},
		{``, "body is empty"},
		{`{"externalId": "X"} {}`, "after the JSON value"},
		{`["externalId"]`, ""},
	} {
		r := e.post("/api/jobs", tc.body, e.live)
		slug := "invalid-json"
		if tc.want == "" {
			slug = "validation"
		}
		p := wantProblem(t, r, http.StatusBadRequest, slug)
		if !strings.Contains(p["detail"].(string), tc.want) {
			t.Errorf("%q: detail %q should contain %q", tc.body, p["detail"], tc.want)
		}
	}
}

// TestStrictJSON: what encoding/json would take silently (a repeated
// member, bytes that are not UTF-8, half a surrogate pair) and text with
// control characters are refused with a pointer to the place, and nothing
// is stored.
func TestStrictJSON(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, tc := range []struct{ body, ptr, want string }{
		{`{"externalId": "A", "externalId": "B"}`, "/externalId", "repeats the member \"externalId\" (line 1, column 21; first at line 1, column 2)"},
		{`{"externalId": "X", "metadata": [{"propertyId": "a", "propertyName": "A", "value": "1", "value": "2"}]}`, "/metadata/0/value", "repeats the member"},
		{`{"externalId": "X", "preflight": {"pageCount": 1, "page\u0043ount": 2}}`, "/preflight/pageCount", "repeats the member"},
		{"{\"externalId\": \"X\xff\"}", "/externalId", "is not UTF-8"},
		{"{\"externalId\": \"X\xed\xa0\x80\"}", "/externalId", "is not UTF-8"},
		{"{\"external\xffId\": \"X\"}", "", "has a member name that is not UTF-8"},
		{`{"externalId": "X\ud800"}`, "/externalId", `contains \ud800 (line 1, column 18), half of a UTF-16 surrogate pair`},
		{`{"externalId": "X\udc00\ud83d"}`, "/externalId", `contains \udc00`},
		{`{"externalId": "X\ud83dY"}`, "/externalId", `contains \ud83d`},
		{`{"externalId": "INV-\u202e1001"}`, "/externalId", "a bidirectional control character (U+202E) at character 5"},
		{"{\"externalId\": \"INV-\u202e1001\"}", "/externalId", "(U+202E)"},
		{`{"externalId": "X", "metadata": [{"propertyId": "a", "propertyName": "A", "value": "a\u0000b"}]}`, "/metadata/0/value", "a control character (U+0000)"},
		{`{"externalId": "X\u001b[2J"}`, "/externalId", "(U+001B)"},
		{`{"externalId": "X\u0085"}`, "/externalId", "a line break (U+0085)"},
		{`{"externalId": "X\r\nY"}`, "/externalId", "a line break (U+000D)"},
	} {
		p := wantProblem(t, e.post("/api/jobs", tc.body, e.live), http.StatusBadRequest, "validation")
		if got, ok := pointers(p)[tc.ptr]; !ok || !strings.Contains(got, tc.want) {
			t.Errorf("%q: problems %v, want %q at %q", tc.body, pointers(p), tc.want, tc.ptr)
		}
	}
	if n := countJobs(t, e, true); n != 0 {
		t.Errorf("refused requests left %d jobs", n)
	}
	// A character beyond U+FFFF, escaped as a pair or sent as UTF-8, and
	// right-to-left text are fine.
	for _, body := range []string{`{"externalId": "\ud83d\ude00"}`, `{"externalId": "😀 עברית"}`} {
		if r := e.post("/api/jobs", body, e.live); r.status != http.StatusCreated {
			t.Errorf("%s: status %d: %s", body, r.status, r.body)
		}
	}
}

func TestContentTypeAndSize(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "/api/jobs", `{"externalId":"X"}`, "Authorization", "Bearer "+e.live, "Content-Type", "text/plain")
	p := wantProblem(t, r, http.StatusUnsupportedMediaType, "unsupported-media-type")
	if !strings.Contains(p["detail"].(string), "text/plain") {
		t.Errorf("detail should name the type received: %v", p["detail"])
	}
	wantProblem(t, e.do("POST", "/api/jobs", `{"externalId":"X"}`, "Authorization", "Bearer "+e.live), http.StatusUnsupportedMediaType, "unsupported-media-type")
	ok := e.do("POST", "/api/jobs", `{"externalId":"X"}`, "Authorization", "Bearer "+e.live, "Content-Type", "application/json; charset=utf-8")
	if ok.status != http.StatusCreated {
		t.Errorf("charset parameter refused: %d", ok.status)
	}
	big := `{"externalId":"X","metadata":[` + strings.Repeat(`{"propertyId":"p","propertyName":"n","value":"v"},`, 30000) + `]}`
	wantProblem(t, e.post("/api/jobs", big, e.live), http.StatusRequestEntityTooLarge, "too-large")
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `{"externalId":"IDEM-1"}`
	first := e.post("/api/jobs", body, e.live, "Idempotency-Key", "k-1")
	again := e.post("/api/jobs", body, e.live, "Idempotency-Key", "k-1")
	if first.status != http.StatusCreated || again.status != http.StatusCreated || string(first.body) != string(again.body) {
		t.Fatalf("retry differs: %d %s / %d %s", first.status, first.body, again.status, again.body)
	}
	if again.header.Get("Idempotent-Replayed") != "true" || again.header.Get("Location") != first.header.Get("Location") {
		t.Errorf("replay headers: %v", again.header)
	}
	wantProblem(t, e.post("/api/jobs", `{"externalId":"IDEM-2"}`, e.live, "Idempotency-Key", "k-1"), http.StatusUnprocessableEntity, "idempotency-key-reused")
	// The same key in test mode is another key: modes never mix.
	if r := e.post("/api/jobs", `{"externalId":"IDEM-2"}`, e.test, "Idempotency-Key", "k-1"); r.status != http.StatusCreated {
		t.Errorf("test-mode key collided with live: %d", r.status)
	}
	if n := countJobs(t, e, true); n != 1 {
		t.Errorf("live jobs = %d, want 1", n)
	}
	wantProblem(t, e.post("/api/jobs", body, e.live, "Idempotency-Key", "clé-ünicode"), http.StatusBadRequest, "invalid-idempotency-key")
	wantProblem(t, e.post("/api/jobs", body, e.live, "Idempotency-Key", strings.Repeat("k", 256)), http.StatusBadRequest, "invalid-idempotency-key")
}

func TestIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var wg sync.WaitGroup
	bodies := make([]string, 8)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.post("/api/jobs", `{"externalId":"RACE"}`, e.live, "Idempotency-Key", "race")
			bodies[i] = fmt.Sprint(r.status, string(r.body))
		}()
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Fatalf("concurrent retries got different answers:\n%s\n%s", bodies[0], b)
		}
	}
	if n := countJobs(t, e, true); n != 1 {
		t.Errorf("jobs = %d, want 1", n)
	}
}

func TestGetJobNotFound(t *testing.T) {
	t.Parallel()
	e := setup(t)
	live := e.createJob(e.live, "L")
	wantProblem(t, e.get("/api/jobs/ses_nope", e.live), http.StatusNotFound, "not-found")
	wantProblem(t, e.get("/api/jobs/ses_01jd7k0000000000000000000a", e.live), http.StatusNotFound, "not-found")
	p := wantProblem(t, e.get("/api/jobs/"+live, e.test), http.StatusNotFound, "not-found")
	if !strings.Contains(p["detail"].(string), "live mode") {
		t.Errorf("a test key reading a live job should be told: %v", p["detail"])
	}
	// Another tenant's job is a 404, not a 403.
	other, _, _ := e.vault.EnsureTenant(t.Context(), "other")
	_, key, _ := e.vault.CreateKey(t.Context(), vaultKey(other.ID))
	p = wantProblem(t, e.get("/api/jobs/"+live, key), http.StatusNotFound, "not-found")
	if strings.Contains(p["detail"].(string), "mode") {
		t.Errorf("another tenant must learn nothing: %v", p["detail"])
	}
	wantProblem(t, e.post("/api/jobs/"+live+"/cancel", "", key), http.StatusNotFound, "not-found")
	wantProblem(t, e.get("/api/jobs/"+live+"/events", key), http.StatusNotFound, "not-found")
}

func TestListJobs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.createJob(e.live, fmt.Sprintf("ORDER-%d", i%2)))
	}
	e.createJob(e.test, "ORDER-0")
	var seen []string
	cursor := ""
	for page := 0; page < 5; page++ {
		r := e.get("/api/jobs?limit=2&cursor="+cursor, e.live)
		if r.status != http.StatusOK {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		m := r.json(t)
		for _, d := range m["data"].([]any) {
			seen = append(seen, d.(map[string]any)["id"].(string))
		}
		if m["hasMore"] != true {
			break
		}
		cursor = m["nextCursor"].(string)
	}
	if len(seen) != 5 {
		t.Fatalf("pages gave %d jobs, want the 5 live ones: %v", len(seen), seen)
	}
	for i, id := range seen {
		if id != ids[4-i] {
			t.Errorf("page order: position %d is %s, want %s (newest first)", i, id, ids[4-i])
		}
	}
	m := e.get("/api/jobs?externalId=ORDER-0", e.live).json(t)
	if n := len(m["data"].([]any)); n != 3 {
		t.Errorf("externalId filter: %d jobs, want 3", n)
	}
	m = e.get("/api/jobs?status=cancelled", e.live).json(t)
	if n := len(m["data"].([]any)); n != 0 {
		t.Errorf("status filter: %d jobs, want 0", n)
	}
	m = e.get("/api/jobs", e.test).json(t)
	if n := len(m["data"].([]any)); n != 1 {
		t.Errorf("test key sees %d jobs, want its 1", n)
	}
	for _, q := range []string{"status=done", "limit=0", "limit=101", "limit=x", "cursor=!!"} {
		wantProblem(t, e.get("/api/jobs?"+q, e.live), http.StatusBadRequest, "invalid-parameter")
	}
}

func TestCancelAndEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.createJob(e.live, "C-1")
	r := e.post("/api/jobs/"+id+"/cancel", "", e.live)
	if r.status != http.StatusOK || r.json(t)["status"] != "cancelled" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	again := e.post("/api/jobs/"+id+"/cancel", "", e.live)
	if again.status != http.StatusOK || again.json(t)["status"] != "cancelled" {
		t.Errorf("a repeated cancel must succeed unchanged: %d %s", again.status, again.body)
	}
	ev := e.get("/api/jobs/"+id+"/events", e.live)
	data := ev.json(t)["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("events = %s", ev.body)
	}
	got := data[0].(map[string]any)
	if got["event_type"] != "cancelled" || got["sequence"] != float64(1) || got["session_id"] != id ||
		got["order_ref"] != "C-1" || got["status"] != "cancelled" || !strings.HasPrefix(got["event_id"].(string), "evt_") {
		t.Errorf("event = %v", got)
	}
	empty := e.get("/api/jobs/"+e.createJob(e.live, "C-2")+"/events", e.live)
	if compactJSON(t, empty.body) != `{"object":"list","data":[],"hasMore":false}` {
		t.Errorf("no events = %s", empty.body)
	}
}

func TestRoutingProblems(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("DELETE", "/api/jobs", "", "Authorization", "Bearer "+e.live)
	wantProblem(t, r, http.StatusMethodNotAllowed, "method-not-allowed")
	if r.header.Get("Allow") != "POST, GET" {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
	wantProblem(t, e.get("/api/nothing", e.live), http.StatusNotFound, "not-found")
	r = e.do("GET", "/api/jobs", "", "Authorization", "Bearer "+e.live, "X-Request-Id", "erp-trace-42")
	if r.header.Get("X-Request-Id") != "erp-trace-42" {
		t.Errorf("a plain caller request id should be kept, got %q", r.header.Get("X-Request-Id"))
	}
	r = e.do("GET", "/api/jobs", "", "X-Request-Id", "bad id with spaces")
	if id := r.header.Get("X-Request-Id"); !strings.HasPrefix(id, "req_") {
		t.Errorf("an unsafe request id should be replaced, got %q", id)
	}
}

// TestMainFlowsOnEachStore runs the main flows on SQLite and on PostgreSQL.
func TestMainFlowsOnEachStore(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db store.Store) {
		e := start(t, db)
		id := e.createJob(e.live, "PG-1")
		if r := e.get("/api/jobs/"+id, e.live); r.status != http.StatusOK {
			t.Errorf("get: %d", r.status)
		}
		first := e.post("/api/jobs", `{"externalId":"PG-2"}`, e.live, "Idempotency-Key", "pg")
		again := e.post("/api/jobs", `{"externalId":"PG-2"}`, e.live, "Idempotency-Key", "pg")
		if string(first.body) != string(again.body) {
			t.Error("idempotent replay differs")
		}
		if r := e.post("/api/jobs/"+id+"/cancel", "", e.live); r.json(t)["status"] != "cancelled" {
			t.Errorf("cancel: %s", r.body)
		}
		if n := countJobs(t, e, true); n != 2 {
			t.Errorf("jobs = %d, want 2", n)
		}
	})
}

// TestPathsWithoutAPIPrefix: a client that forgot /api gets a problem that
// names the right path, not a bare 404 it would take for an unknown job.
func TestPathsWithoutAPIPrefix(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, tc := range []struct{ method, path string }{
		{"POST", "/jobs"},
		{"GET", "/jobs"},
		{"GET", "/jobs/ses_06h0kkqpfntnf0jr5wcqjghycg"},
		{"POST", "/jobs/ses_06h0kkqpfntnf0jr5wcqjghycg/cancel"},
		{"GET", "/exceptions"},
		{"POST", "/deliveries/del_00000000000000000000000000/redeliver"},
		{"POST", "/callbacks/ping"},
		{"GET", "/openapi.json"},
	} {
		r := e.do(tc.method, tc.path, "", "Authorization", "Bearer "+e.live)
		p := wantProblem(t, r, http.StatusNotFound, "not-found")
		if want := tc.method + " /api" + tc.path; !strings.Contains(p["detail"].(string), want) {
			t.Errorf("%s %s: detail %q does not name %s", tc.method, tc.path, p["detail"], want)
		}
	}
}
