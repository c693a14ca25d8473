package api_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/api"
	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/logo"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
	"github.com/atomyx/submit/pkg/webhook"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The tests in this file keep internal/api/openapi.json true: it must
// describe every route, and the real answers of the running API, and the
// validation of a job request, must match its schemas.

// docLoc is where the compiler finds the document; schemas are compiled
// from locations such as docLoc + "#/components/schemas/Job".
const docLoc = "openapi.json"

// openAPI is the OpenAPI document with a JSON Schema 2020-12 compiler over
// it.
type openAPI struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

// newOpenAPI parses the document. strict adds unevaluatedProperties: false
// to every object schema of components/schemas that does not close itself,
// so that a test also catches members the document does not declare. The
// published document leaves response objects open, so clients tolerate new
// members.
func newOpenAPI(t *testing.T, raw []byte, strict bool) *openAPI {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("openapi.json is not a JSON object")
	}
	if strict {
		schemas, _ := lookup(doc, "/components/schemas")
		m, _ := schemas.(map[string]any)
		for _, s := range m {
			tighten(s)
		}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docLoc, doc); err != nil {
		t.Fatalf("add openapi.json to the compiler: %v", err)
	}
	return &openAPI{doc: doc, compiler: c, compiled: map[string]*jsonschema.Schema{}}
}

// fileOpenAPI reads the document from the package directory.
func fileOpenAPI(t *testing.T, strict bool) *openAPI {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	return newOpenAPI(t, raw, strict)
}

// servedOpenAPI fetches the document the API serves.
func servedOpenAPI(t *testing.T, e *env, strict bool) *openAPI {
	t.Helper()
	r := e.do("GET", "/api/openapi.json", "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d %s", r.status, r.body)
	}
	return newOpenAPI(t, r.body, strict)
}

// tighten closes every object schema with properties, except inside
// conditions (if, not), whose subschemas only test.
func tighten(v any) {
	switch x := v.(type) {
	case map[string]any:
		_, hasProps := x["properties"]
		_, closedA := x["additionalProperties"]
		_, closedU := x["unevaluatedProperties"]
		if hasProps && !closedA && !closedU {
			x["unevaluatedProperties"] = false
		}
		for k, sub := range x {
			if k != "if" && k != "not" && k != "examples" {
				tighten(sub)
			}
		}
	case []any:
		for _, sub := range x {
			tighten(sub)
		}
	}
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// esc escapes one JSON Pointer token.
func esc(s string) string { return pointerEscaper.Replace(s) }

// lookup returns the value at a JSON Pointer into v.
func lookup(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func (o *openAPI) at(ptr string) (any, bool) { return lookup(o.doc, ptr) }

// object returns the JSON object at ptr, or nil.
func (o *openAPI) object(ptr string) map[string]any {
	v, _ := o.at(ptr)
	m, _ := v.(map[string]any)
	return m
}

// deref follows an OpenAPI $ref ("#/components/responses/NotFound") from the
// object at ptr and returns the pointer of the object it names.
func (o *openAPI) deref(ptr string) string {
	for range 5 {
		r, ok := o.object(ptr)["$ref"].(string)
		if !ok || !strings.HasPrefix(r, "#") {
			return ptr
		}
		ptr = strings.TrimPrefix(r, "#")
	}
	return ptr
}

// schema compiles the schema at ptr.
func (o *openAPI) schema(ptr string) (*jsonschema.Schema, error) {
	if s, ok := o.compiled[ptr]; ok {
		return s, nil
	}
	if _, ok := o.at(ptr); !ok {
		return nil, fmt.Errorf("openapi.json has nothing at %s", ptr)
	}
	s, err := o.compiler.Compile(docLoc + "#" + ptr)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", ptr, err)
	}
	o.compiled[ptr] = s
	return s, nil
}

// validate checks a JSON value (decoded by jsonschema.UnmarshalJSON, or
// built of the same types) against the schema at ptr.
func (o *openAPI) validate(ptr string, v any) error {
	s, err := o.schema(ptr)
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// validateJSON is validate for raw JSON.
func (o *openAPI) validateJSON(ptr string, raw []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return o.validate(ptr, v)
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operations lists the document's operations as "METHOD /path", sorted, as
// api.API.Paths lists routes.
func (o *openAPI) operations() []string {
	var out []string
	for path, item := range o.object("/paths") {
		m, _ := item.(map[string]any)
		for _, method := range httpMethods {
			if _, ok := m[method]; ok {
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// operation returns the pointer of the operation op ("POST /api/jobs").
func (o *openAPI) operation(op string) (string, error) {
	method, path, _ := strings.Cut(op, " ")
	ptr := "/paths/" + esc(path) + "/" + strings.ToLower(method)
	if o.object(ptr) == nil {
		return "", fmt.Errorf("openapi.json has no operation %s", op)
	}
	return ptr, nil
}

// response returns the pointer of the response that op documents for a
// status, after any $ref.
func (o *openAPI) response(op string, status int) (string, error) {
	ptr, err := o.operation(op)
	if err != nil {
		return "", err
	}
	rptr := ptr + "/responses/" + strconv.Itoa(status)
	if o.object(rptr) == nil {
		return "", fmt.Errorf("openapi.json does not document status %d for %s", status, op)
	}
	return o.deref(rptr), nil
}

// scope returns the scope an operation needs, "" for a public one.
func (o *openAPI) scope(op string) string {
	ptr, _ := o.operation(op)
	sec, _ := o.at(ptr + "/security/0/bearer/0")
	s, _ := sec.(string)
	return s
}

// checkResponse checks a real response against the response at rptr: its
// Content-Type is documented, its body matches the schema, its required
// headers are present and every documented header it has matches its
// schema.
func (o *openAPI) checkResponse(rptr string, r response) error {
	var errs []string
	if o.object(rptr+"/content") == nil { // 204: no body, and no type for one
		if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
			return fmt.Errorf("a response documented without content has a body: %q (Content-Type %q)", r.body, r.header.Get("Content-Type"))
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("Content-Type %q: %v", r.header.Get("Content-Type"), err)
	}
	content := o.object(rptr + "/content")
	if _, ok := content[mt]; !ok {
		return fmt.Errorf("Content-Type %s is not documented at %s (documented: %v)", mt, rptr, keys(content))
	}
	if err := o.validateJSON(rptr+"/content/"+esc(mt)+"/schema", r.body); err != nil {
		errs = append(errs, fmt.Sprintf("the body does not match the document: %v\nbody: %s", err, r.body))
	}
	for name := range o.object(rptr + "/headers") {
		hptr := o.deref(rptr + "/headers/" + esc(name))
		value := r.header.Get(name)
		if value == "" {
			if o.object(hptr)["required"] == true {
				errs = append(errs, "the required header "+name+" is missing")
			}
			continue
		}
		if err := o.validate(hptr+"/schema", value); err != nil {
			errs = append(errs, fmt.Sprintf("header %s: %q does not match the document: %v", name, value, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIDocument checks the document's frame: OpenAPI 3.1 in the JSON
// Schema 2020-12 dialect, every $ref resolves, every schema compiles.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		o := fileOpenAPI(t, strict)
		if v, _ := o.doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
			t.Fatalf("openapi = %q, want 3.1.x", v)
		}
		if d := o.doc["jsonSchemaDialect"]; d != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("jsonSchemaDialect = %v", d)
		}
		if v, _ := o.at("/info/version"); v != "1.0.0" {
			t.Errorf("info.version = %v, want 1.0.0", v)
		}
		if o.object("/components/securitySchemes/bearer")["scheme"] != "bearer" {
			t.Error("components.securitySchemes.bearer must be an http bearer scheme")
		}
		var refs []string
		var walk func(ptr string, v any)
		walk = func(ptr string, v any) {
			switch x := v.(type) {
			case map[string]any:
				if r, ok := x["$ref"].(string); ok {
					refs = append(refs, ptr+" → "+r)
				}
				for k, sub := range x {
					walk(ptr+"/"+esc(k), sub)
				}
			case []any:
				for i, sub := range x {
					walk(ptr+"/"+strconv.Itoa(i), sub)
				}
			}
		}
		walk("", o.doc)
		if len(refs) < 20 {
			t.Fatalf("only %d $refs found; is the document the placeholder?", len(refs))
		}
		for _, r := range refs {
			_, target, _ := strings.Cut(r, " → ")
			if !strings.HasPrefix(target, "#/") {
				t.Errorf("%s: only local references are used", r)
			} else if _, ok := o.at(strings.TrimPrefix(target, "#")); !ok {
				t.Errorf("%s: the reference does not resolve", r)
			}
		}
		for name := range o.object("/components/schemas") {
			if _, err := o.schema("/components/schemas/" + esc(name)); err != nil {
				t.Errorf("schema %s (strict %v): %v", name, strict, err)
			}
		}
	}
}

// TestOpenAPIPaths checks that the document and the route table list the
// same operations, and that every operation documents what any route may
// answer: 405 for another method on its path; 401, 403 and 500 when it
// needs a key; 404 when its path names a job.
func TestOpenAPIPaths(t *testing.T) {
	t.Parallel()
	o := fileOpenAPI(t, false)
	routes := api.New(api.Deps{}).Paths()
	docOps := o.operations()
	if !slices.Equal(routes, docOps) {
		for _, r := range routes {
			if !slices.Contains(docOps, r) {
				t.Errorf("route %s is not in openapi.json", r)
			}
		}
		for _, d := range docOps {
			if !slices.Contains(routes, d) {
				t.Errorf("openapi.json documents %s, which is not a route", d)
			}
		}
	}
	for _, op := range docOps {
		want := []int{http.StatusMethodNotAllowed}
		if o.scope(op) != "" {
			want = append(want, http.StatusUnauthorized, http.StatusForbidden, http.StatusInternalServerError)
		}
		if strings.Contains(op, "{id}") {
			want = append(want, http.StatusNotFound)
		}
		for _, status := range want {
			if _, err := o.response(op, status); err != nil {
				t.Error(err)
			}
		}
		ptr, _ := o.operation(op)
		if id, _ := o.object(ptr)["operationId"].(string); id == "" {
			t.Errorf("%s has no operationId", op)
		}
	}
	if o.scope("POST /api/jobs") != apikey.ScopeJobsWrite || o.scope("GET /api/openapi.json") != "" {
		t.Error("scopes: POST /api/jobs needs jobs:write and GET /api/openapi.json no key")
	}
}

// TestOpenAPIExamples validates every example in the document against its
// schema: media types, parameters and the examples of component schemas.
func TestOpenAPIExamples(t *testing.T) {
	t.Parallel()
	o := fileOpenAPI(t, true)
	n := 0
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["schema"]; ok {
				if ex, ok := x["example"]; ok {
					n++
					if err := o.validate(ptr+"/schema", ex); err != nil {
						t.Errorf("example at %s: %v", ptr, err)
					}
				}
				named, _ := x["examples"].(map[string]any)
				for name, ex := range named {
					n++
					val, _ := ex.(map[string]any)
					if err := o.validate(ptr+"/schema", val["value"]); err != nil {
						t.Errorf("example %s at %s: %v", name, ptr, err)
					}
				}
			}
			for k, sub := range x {
				walk(ptr+"/"+esc(k), sub)
			}
		case []any:
			for i, sub := range x {
				walk(ptr+"/"+strconv.Itoa(i), sub)
			}
		}
	}
	walk("", o.doc)
	for name, s := range o.object("/components/schemas") {
		exs, _ := s.(map[string]any)["examples"].([]any)
		for i, ex := range exs {
			n++
			if err := o.validate("/components/schemas/"+esc(name), ex); err != nil {
				t.Errorf("example %d of schema %s: %v", i, name, err)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d examples checked", n)
	}
}

// apiCase is one request whose real response is checked against the
// document.
type apiCase struct {
	name string
	// op is the documented operation that answers, as "POST /api/jobs";
	// empty to check against respPtr instead.
	op      string
	respPtr string
	// status is the status the API must answer with; 0 accepts any but
	// those in notStatus.
	status    int
	notStatus []int
	send      func() response
	// headers must be in the response and documented for it.
	headers []string
	// check, when set, looks further at the decoded body.
	check func(t *testing.T, body map[string]any)
}

// responsesSchedule is the callback retry schedule of the response tests:
// two quick attempts, so that a delivery to a failing receiver becomes a
// workflow exception within the test.
var responsesSchedule = callback.Schedule{0, 10 * time.Millisecond}

// TestOpenAPIResponses checks real answers of the API, on SQLite and on
// PostgreSQL, against the document.
func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db store.Store) {
		checkResponses(t, start(t, db, withCallbacks(responsesSchedule)))
	})
}

// waitException waits until the tenant's live delivery to url has failed
// for good and returns its id.
func waitException(t *testing.T, e *env, url string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := e.store.ListExceptions(t.Context(), store.ListExceptionsParams{TenantID: e.tenantID, Livemode: true, URL: url, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 {
			return ds[0].ID
		}
		if len(ds) > 1 || time.Now().After(deadline) {
			t.Fatalf("exceptions to %s: %d, want 1 within 10 s", url, len(ds))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkResponses(t *testing.T, e *env) {
	o := servedOpenAPI(t, e, true)
	ctx := t.Context()

	onlyRead := keyWith(t, e, apikey.ScopeJobsRead)
	getMe := e.createJob(e.live, "OAS-GET")
	deleteMe := e.createJob(e.test, "OAS-DELETE")
	uploadMe := e.createJob(e.live, "OAS-UPLOAD")
	cancelMe := e.createJob(e.live, "OAS-CANCEL")
	expired := e.createJob(e.live, "OAS-EXPIRED")
	approveMe, rejectMe := e.createJob(e.live, "OAS-APPROVE"), e.createJob(e.live, "OAS-REJECT")
	for _, id := range []string{approveMe, rejectMe} {
		for _, to := range []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated} {
			if _, err := e.flow.Transition(ctx, workflow.Change{TenantID: e.tenantID, JobID: id, To: to}); err != nil {
				t.Fatal(err)
			}
		}
	}
	patchMe := e.createJob(e.live, "OAS-PATCH")
	noRoom := setupWith(t, withDiskFloor(1<<62)) // a floor larger than any disk
	noRoomJob := noRoom.createJob(noRoom.live, "OAS-NO-ROOM")
	flow := &workflow.Service{Store: e.store, Now: time.Now, Attempts: 1}
	if _, err := flow.Transition(ctx, workflow.Change{TenantID: e.tenantID, JobID: expired, To: job.Expired}); err != nil {
		t.Fatal(err)
	}
	idem := `{"externalId":"OAS-IDEM"}`
	if r := e.post("/api/jobs", idem, e.live, "Idempotency-Key", "oas-1"); r.status != http.StatusCreated {
		t.Fatalf("first idempotent create: %d %s", r.status, r.body)
	}
	full := `{
	  "externalId": "TEST-ORDER-10001",
	  "metadata": [{"propertyId": "orderNumber", "propertyName": "Order number", "value": "TEST-ORDER-10001"}],
	  "brand": {"color": "#1A73E8", "logo": "https://example.com/assets/logo.png"},
	  "artwork": {"url": "https://example.com/files/artwork.pdf"},
	  "callbackURL": "https://erp.example.com/hooks/submit",
	  "preflight": {"profile": "default", "trimSize": {"width": 210, "height": 297, "unit": "mm"}, "pageCount": 2, "bleed": {"size": 3, "unit": "mm"}}
	}`
	// Callbacks, through the API's callback worker: a job whose callbacks
	// go to a receiver that always answers 500, so that the delivery of its
	// uploaded event fails both attempts and becomes a workflow exception,
	// and a receiver that answers 204, for test pings.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":"receiver down"}`)
	}))
	t.Cleanup(failing.Close)
	receiving := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiving.Close)
	hookURL := failing.URL + "/hook"
	r := e.post("/api/jobs", `{"externalId":"OAS-CALLBACK","callbackURL":"`+hookURL+`"}`, e.live)
	if r.status != http.StatusCreated {
		t.Fatalf("create a job with a callback URL: %d %s", r.status, r.body)
	}
	hooked := r.json(t)["id"].(string)
	if _, err := e.flow.Transition(ctx, workflow.Change{TenantID: e.tenantID, JobID: hooked, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	exception := waitException(t, e, hookURL)
	// A delivered test ping, for the routes of a delivery below.
	pinged, _, err := e.callbacks.Ping(ctx, callback.PingParams{TenantID: e.tenantID, Livemode: true, URL: receiving.URL})
	if err != nil || pinged.State != store.DeliveryDelivered {
		t.Fatalf("ping: %v %+v", err, pinged)
	}
	unknownDelivery := "del_" + strings.Repeat("0", 26)
	// field returns a member of a JSON object, or nil.
	field := func(v any, name string) any {
		m, _ := v.(map[string]any)
		return m[name]
	}

	nonEmpty := func(t *testing.T, body map[string]any) {
		if d, _ := body["data"].([]any); len(d) == 0 {
			t.Errorf("data is empty, want items: %v", body)
		}
	}
	empty := func(t *testing.T, body map[string]any) {
		if d, ok := body["data"].([]any); !ok || len(d) != 0 {
			t.Errorf("data = %v, want []", body["data"])
		}
	}
	big := `{"externalId":"X","metadata":[` + strings.Repeat(`{"propertyId":"p","propertyName":"n","value":"v"},`, 30000) + `]}`

	cases := []apiCase{
		{name: "create minimal", op: "POST /api/jobs", status: 201, send: func() response {
			return e.post("/api/jobs", `{"externalId":"TEST-ORDER-10001"}`, e.live)
		}},
		{name: "create full", op: "POST /api/jobs", status: 201, send: func() response { return e.post("/api/jobs", full, e.live) }},
		{name: "create in test mode", op: "POST /api/jobs", status: 201, send: func() response {
			return e.post("/api/jobs", `{"externalId":"OAS-TEST"}`, e.test)
		}, check: func(t *testing.T, body map[string]any) {
			if c, _ := body["createdBy"].(map[string]any); c["type"] != "api_key" || c["name"] != "erp test" {
				t.Errorf("createdBy = %v, want the test key", body["createdBy"])
			}
		}},
		{name: "delete a test job", op: "DELETE /api/jobs/{id}", status: 204, send: func() response {
			return e.do("DELETE", "/api/jobs/"+deleteMe, "", "Authorization", "Bearer "+e.test)
		}},
		{name: "get a deleted job", op: "GET /api/jobs/{id}", status: 404, send: func() response {
			return e.get("/api/jobs/"+deleteMe, e.test)
		}},
		{name: "409 delete a live job", op: "DELETE /api/jobs/{id}", status: 409, send: func() response {
			return e.do("DELETE", "/api/jobs/"+getMe, "", "Authorization", "Bearer "+e.live)
		}},
		{name: "create replayed", op: "POST /api/jobs", status: 201, send: func() response {
			return e.post("/api/jobs", idem, e.live, "Idempotency-Key", "oas-1")
		}, headers: []string{"Idempotent-Replayed", "Location"}},
		{name: "get", op: "GET /api/jobs/{id}", status: 200, send: func() response { return e.get("/api/jobs/"+getMe, e.live) }},
		{name: "list with more", op: "GET /api/jobs", status: 200, send: func() response { return e.get("/api/jobs?limit=1", e.live) },
			check: func(t *testing.T, body map[string]any) {
				nonEmpty(t, body)
				if body["hasMore"] != true {
					t.Errorf("hasMore = %v, want true", body["hasMore"])
				}
			}},
		{name: "list filtered", op: "GET /api/jobs", status: 200, send: func() response {
			return e.get("/api/jobs?status=awaiting_upload&externalId=OAS-GET&limit=100", e.live)
		}, check: nonEmpty},
		{name: "list empty", op: "GET /api/jobs", status: 200, send: func() response {
			return e.get("/api/jobs?externalId=NO-SUCH-ORDER", e.live)
		}, check: empty},
		{name: "cancel", op: "POST /api/jobs/{id}/cancel", status: 200, send: func() response {
			return e.post("/api/jobs/"+cancelMe+"/cancel", "", e.live)
		}},
		{name: "cancel again", op: "POST /api/jobs/{id}/cancel", status: 200, send: func() response {
			return e.post("/api/jobs/"+cancelMe+"/cancel", "", e.live)
		}},
		{name: "events after cancel", op: "GET /api/jobs/{id}/events", status: 200, send: func() response {
			return e.get("/api/jobs/"+cancelMe+"/events", e.live)
		}, check: nonEmpty},
		{name: "events of an expired job", op: "GET /api/jobs/{id}/events", status: 200, send: func() response {
			return e.get("/api/jobs/"+expired+"/events", e.live)
		}, check: nonEmpty},
		{name: "events none", op: "GET /api/jobs/{id}/events", status: 200, send: func() response {
			return e.get("/api/jobs/"+getMe+"/events", e.live)
		}, check: empty},
		{name: "events with a callback", op: "GET /api/jobs/{id}/events", status: 200, send: func() response {
			return e.get("/api/jobs/"+hooked+"/events", e.live)
		}, check: func(t *testing.T, body map[string]any) {
			nonEmpty(t, body)
			ev, _ := body["data"].([]any)
			for _, member := range []string{"artwork_version_id", "attempt"} {
				if _, ok := ev[0].(map[string]any)[member]; ok {
					t.Errorf("an uploaded event without artwork version lists %s: %v", member, ev[0])
				}
			}
		}},
		{name: "deliveries", op: "GET /api/jobs/{id}/deliveries", status: 200, send: func() response {
			return e.get("/api/jobs/"+hooked+"/deliveries", e.live)
		}, check: func(t *testing.T, body map[string]any) {
			data, _ := body["data"].([]any)
			if len(data) != 1 {
				t.Fatalf("deliveries = %v, want the uploaded event's", data)
			}
			attempts, _ := field(data[0], "attempts").([]any)
			if field(data[0], "id") != exception || field(data[0], "state") != "failed" || len(attempts) != len(responsesSchedule) {
				t.Errorf("delivery = %v, want %s failed after %d attempts", data[0], exception, len(responsesSchedule))
			}
			for _, a := range attempts {
				if field(a, "statusCode") != float64(500) || field(a, "response") != `{"error":"receiver down"}` || field(a, "error") == nil {
					t.Errorf("attempt = %v, want the receiver's 500", a)
				}
			}
		}},
		{name: "deliveries none", op: "GET /api/jobs/{id}/deliveries", status: 200, send: func() response {
			return e.get("/api/jobs/"+cancelMe+"/deliveries", e.live)
		}, check: empty},
		{name: "exceptions", op: "GET /api/exceptions", status: 200, send: func() response {
			return e.get("/api/exceptions", e.live)
		}, check: nonEmpty},
		{name: "exceptions of a URL", op: "GET /api/exceptions", status: 200, send: func() response {
			return e.get("/api/exceptions?url="+url.QueryEscape(hookURL), e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if data, _ := body["data"].([]any); len(data) != 1 || field(data[0], "id") != exception {
				t.Errorf("exceptions = %v, want %s", data, exception)
			}
		}},
		{name: "exceptions of another URL", op: "GET /api/exceptions", status: 200, send: func() response {
			return e.get("/api/exceptions?url="+url.QueryEscape(receiving.URL), e.live)
		}, check: empty},
		{name: "exceptions in test mode", op: "GET /api/exceptions", status: 200, send: func() response {
			return e.get("/api/exceptions", e.test)
		}, check: empty},
		{name: "resolve with too long a note", op: "POST /api/deliveries/{id}/resolve", status: 400, send: func() response {
			return e.post("/api/deliveries/"+exception+"/resolve", `{"note":"`+strings.Repeat("n", 1001)+`"}`, e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if pointers(body)["/note"] == "" {
				t.Errorf("the problem must point at /note: %v", body)
			}
		}},
		{name: "resolve with a note that is not a string", op: "POST /api/deliveries/{id}/resolve", status: 400, send: func() response {
			return e.post("/api/deliveries/"+exception+"/resolve", `{"note":5}`, e.live)
		}},
		{name: "resolve with invalid JSON", op: "POST /api/deliveries/{id}/resolve", status: 400, send: func() response {
			return e.post("/api/deliveries/"+exception+"/resolve", `{"note":`, e.live)
		}},
		{name: "resolve 413", op: "POST /api/deliveries/{id}/resolve", status: 413, send: func() response {
			return e.post("/api/deliveries/"+exception+"/resolve", big, e.live)
		}},
		{name: "resolve 415", op: "POST /api/deliveries/{id}/resolve", status: 415, send: func() response {
			return e.do("POST", "/api/deliveries/"+exception+"/resolve", `{"note":"x"}`, "Authorization", "Bearer "+e.live, "Content-Type", "text/plain")
		}},
		{name: "resolve", op: "POST /api/deliveries/{id}/resolve", status: 200, send: func() response {
			return e.post("/api/deliveries/"+exception+"/resolve", `{"note":"Order entered in the ERP by hand."}`, e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if body["state"] != "resolved" || body["resolvedNote"] != "Order entered in the ERP by hand." || body["resolvedAt"] == nil {
				t.Errorf("resolved delivery = %v", body)
			}
		}},
		{name: "exceptions after resolving", op: "GET /api/exceptions", status: 200, send: func() response {
			return e.get("/api/exceptions", e.live)
		}, check: empty},
		{name: "resolve again", op: "POST /api/deliveries/{id}/resolve", status: 409, send: func() response {
			return e.do("POST", "/api/deliveries/"+exception+"/resolve", "", "Authorization", "Bearer "+e.live)
		}},
		{name: "redeliver", op: "POST /api/deliveries/{id}/redeliver", status: 200, send: func() response {
			return e.post("/api/deliveries/"+exception+"/redeliver", "", e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if body["state"] != "pending" || body["attemptsLeft"] != float64(len(responsesSchedule)) || body["nextAttemptAt"] == nil || body["resolvedAt"] != nil {
				t.Errorf("redelivered delivery = %v", body)
			}
		}},
		{name: "404 unknown delivery", op: "POST /api/deliveries/{id}/redeliver", status: 404, send: func() response {
			return e.post("/api/deliveries/"+unknownDelivery+"/redeliver", "", e.live)
		}},
		{name: "404 delivery of the other mode", op: "POST /api/deliveries/{id}/resolve", status: 404, send: func() response {
			return e.post("/api/deliveries/"+exception+"/resolve", "", e.test)
		}},
		{name: "ping", op: "POST /api/callbacks/ping", status: 200, send: func() response {
			return e.post("/api/callbacks/ping", `{"url":"`+receiving.URL+`"}`, e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if body["ok"] != true || body["statusCode"] != float64(204) || field(body["delivery"], "state") != "delivered" {
				t.Errorf("ping = %v, want delivered with 204", body)
			}
		}},
		{name: "ping a failing receiver", op: "POST /api/callbacks/ping", status: 200, send: func() response {
			return e.post("/api/callbacks/ping", `{"url":"`+hookURL+`"}`, e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if body["ok"] != false || body["statusCode"] != float64(500) || body["error"] == nil ||
				field(body["delivery"], "state") != "resolved" || field(body["delivery"], "resolvedNote") != callback.PingNote {
				t.Errorf("ping = %v, want resolved with 500", body)
			}
		}},
		{name: "ping without a URL", op: "POST /api/callbacks/ping", status: 400, send: func() response {
			return e.do("POST", "/api/callbacks/ping", "", "Authorization", "Bearer "+e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if pointers(body)["/url"] == "" {
				t.Errorf("the problem must point at /url: %v", body)
			}
		}},
		{name: "ping an invalid URL", op: "POST /api/callbacks/ping", status: 400, send: func() response {
			return e.post("/api/callbacks/ping", `{"url":"ftp://erp.example.com/hook"}`, e.live)
		}},
		{name: "ping with an unknown member", op: "POST /api/callbacks/ping", status: 400, send: func() response {
			return e.post("/api/callbacks/ping", `{"uri":"`+receiving.URL+`"}`, e.live)
		}},
		{name: "ping 413", op: "POST /api/callbacks/ping", status: 413, send: func() response {
			return e.post("/api/callbacks/ping", big, e.live)
		}},
		{name: "ping 415", op: "POST /api/callbacks/ping", status: 415, send: func() response {
			return e.do("POST", "/api/callbacks/ping", "url="+receiving.URL, "Authorization", "Bearer "+e.live, "Content-Type", "application/x-www-form-urlencoded")
		}},
		{name: "validation", op: "POST /api/jobs", status: 400, send: func() response {
			return e.post("/api/jobs", `{"externalId":"","callbackUrl":"https://e.com","metadata":[{"propertyId":"a"}]}`, e.live)
		}},
		{name: "not an object", op: "POST /api/jobs", status: 400, send: func() response { return e.post("/api/jobs", `[1]`, e.live) }},
		{name: "invalid JSON", op: "POST /api/jobs", status: 400, send: func() response {
			return e.post("/api/jobs", "{\n  \"externalId\": \"X\",\n}", e.live)
		}},
		{name: "empty body", op: "POST /api/jobs", status: 400, send: func() response { return e.post("/api/jobs", "", e.live) }},
		{name: "invalid Idempotency-Key", op: "POST /api/jobs", status: 400, send: func() response {
			return e.post("/api/jobs", idem, e.live, "Idempotency-Key", strings.Repeat("k", 256))
		}},
		{name: "invalid list parameter", op: "GET /api/jobs", status: 400, send: func() response {
			return e.get("/api/jobs?limit=0&status=done", e.live)
		}},
		{name: "401 wrong scheme", op: "GET /api/jobs", status: 401, send: func() response {
			return e.do("GET", "/api/jobs", "", "Authorization", "Token "+e.live)
		}, headers: []string{"WWW-Authenticate"}},
		{name: "401 unknown key", op: "GET /api/jobs", status: 401, send: func() response {
			unknown, _, _ := apikey.Generate(true)
			return e.get("/api/jobs", unknown)
		}},
		{name: "403 create with a read-only key", op: "POST /api/jobs", status: 403, send: func() response {
			return e.post("/api/jobs", idem, onlyRead)
		}},
		{name: "404 unknown job", op: "GET /api/jobs/{id}", status: 404, send: func() response {
			return e.get("/api/jobs/ses_01jd7k0000000000000000000a", e.live)
		}},
		{name: "404 malformed id", op: "GET /api/jobs/{id}", status: 404, send: func() response { return e.get("/api/jobs/42", e.live) }},
		{name: "404 other mode", op: "GET /api/jobs/{id}", status: 404, send: func() response { return e.get("/api/jobs/"+getMe, e.test) }},
		{name: "404 unknown path", respPtr: "/components/responses/NotFound", status: 404, send: func() response {
			return e.get("/api/nothing/here", e.live)
		}},
		{name: "artwork upload", op: "PUT /api/jobs/{id}/artwork", status: 201, send: func() response {
			return e.do("PUT", "/api/jobs/"+uploadMe+"/artwork?filename=cover.pdf", "%PDF-1.7\n%%EOF\n", "Authorization", "Bearer "+e.live, "Content-Type", "application/pdf")
		}, headers: []string{"Location"}, check: func(t *testing.T, body map[string]any) {
			vs, _ := body["artworkVersions"].([]any)
			if body["status"] != "uploaded" || len(vs) != 1 || field(vs[0], "filename") != "cover.pdf" || field(vs[0], "status") != "uploaded" {
				t.Errorf("job after upload = %v", body)
			}
		}},
		{name: "artwork upload to a final job", op: "PUT /api/jobs/{id}/artwork", status: 409, send: func() response {
			return e.do("PUT", "/api/jobs/"+expired+"/artwork", "%PDF-1.7\n", "Authorization", "Bearer "+e.live, "Content-Type", "application/pdf")
		}},
		{name: "artwork upload, not a PDF", op: "PUT /api/jobs/{id}/artwork", status: 415, send: func() response {
			return e.do("PUT", "/api/jobs/"+getMe+"/artwork", "<html></html>", "Authorization", "Bearer "+e.live, "Content-Type", "application/pdf")
		}},
		{name: "artwork upload too large", op: "PUT /api/jobs/{id}/artwork", status: 413, send: func() response {
			e.flow.MaxUploadBytes = 16
			defer func() { e.flow.MaxUploadBytes = 0 }()
			return e.do("PUT", "/api/jobs/"+getMe+"/artwork", "%PDF-1.7\n"+strings.Repeat("x", 100), "Authorization", "Bearer "+e.live, "Content-Type", "application/pdf")
		}},
		{name: "artwork upload onto a full disk", op: "PUT /api/jobs/{id}/artwork", status: 507, send: func() response {
			return noRoom.do("PUT", "/api/jobs/"+noRoomJob+"/artwork", "%PDF-1.7\n", "Authorization", "Bearer "+noRoom.live, "Content-Type", "application/pdf")
		}, check: func(t *testing.T, body map[string]any) {
			if vs, _ := noRoom.store.(store.ArtworkStore).ListArtworkVersions(t.Context(), noRoom.tenantID, noRoomJob); len(vs) != 0 {
				t.Errorf("a refused upload stored versions: %v", vs)
			}
		}},
		{name: "artwork upload as JSON", op: "PUT /api/jobs/{id}/artwork", status: 415, send: func() response {
			return e.do("PUT", "/api/jobs/"+getMe+"/artwork", "{}", "Authorization", "Bearer "+e.live, "Content-Type", "application/json")
		}},
		{name: "artwork upload of another mode's job", respPtr: "/components/responses/NotFound", status: 404, send: func() response {
			return e.do("PUT", "/api/jobs/"+getMe+"/artwork", "%PDF-1.7", "Authorization", "Bearer "+e.test, "Content-Type", "application/pdf")
		}},
		{name: "405", op: "POST /api/jobs", status: 405, send: func() response {
			return e.do("DELETE", "/api/jobs", "", "Authorization", "Bearer "+e.live)
		}, headers: []string{"Allow"}},
		{name: "409 cancel an expired job", op: "POST /api/jobs/{id}/cancel", status: 409, send: func() response {
			return e.post("/api/jobs/"+expired+"/cancel", "", e.live)
		}},
		{name: "413", op: "POST /api/jobs", status: 413, send: func() response { return e.post("/api/jobs", big, e.live) }},
		{name: "415", op: "POST /api/jobs", status: 415, send: func() response {
			return e.do("POST", "/api/jobs", idem, "Authorization", "Bearer "+e.live, "Content-Type", "text/plain")
		}},
		{name: "422", op: "POST /api/jobs", status: 422, send: func() response {
			return e.post("/api/jobs", `{"externalId":"OAS-OTHER"}`, e.live, "Idempotency-Key", "oas-1")
		}},
		{name: "approve", op: "POST /api/jobs/{id}/approve", status: 200, send: func() response {
			return e.post("/api/jobs/"+approveMe+"/approve", "", e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if body["status"] != "approved" {
				t.Errorf("approved job = %v", body)
			}
		}},
		{name: "approve before the proof", op: "POST /api/jobs/{id}/approve", status: 409, send: func() response {
			return e.post("/api/jobs/"+getMe+"/approve", "", e.live)
		}},
		{name: "reject", op: "POST /api/jobs/{id}/reject", status: 200, send: func() response {
			return e.post("/api/jobs/"+rejectMe+"/reject", `{"reason":"The logo is the old one."}`, e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if body["status"] != "rejected" {
				t.Errorf("rejected job = %v", body)
			}
		}},
		{name: "reject an approved job", op: "POST /api/jobs/{id}/reject", status: 409, send: func() response {
			return e.post("/api/jobs/"+approveMe+"/reject", `{"reason":"Too late."}`, e.live)
		}},
		{name: "reject without a reason", op: "POST /api/jobs/{id}/reject", status: 400, send: func() response {
			return e.post("/api/jobs/"+getMe+"/reject", `{"reason":"  "}`, e.live)
		}},
		{name: "callback settings", op: "GET /api/callbacks/settings", status: 200, send: func() response {
			return e.get("/api/callbacks/settings", e.live)
		}},
		{name: "choose events", op: "PATCH /api/callbacks/settings", status: 200, send: func() response {
			return e.do("PATCH", "/api/callbacks/settings", `{"events":null}`, "Authorization", "Bearer "+e.live, "Content-Type", "application/json")
		}, check: func(t *testing.T, body map[string]any) {
			if body["default"] != true {
				t.Errorf("settings after choosing the default = %v", body)
			}
		}},
		{name: "choose an unknown event", op: "PATCH /api/callbacks/settings", status: 400, send: func() response {
			return e.do("PATCH", "/api/callbacks/settings", `{"events":["aproved"]}`, "Authorization", "Bearer "+e.live, "Content-Type", "application/json")
		}},
		{name: "patch", op: "PATCH /api/jobs/{id}", status: 200, send: func() response {
			return e.patch(patchMe, `{"callbackURL":"https://erp.example.com/hooks/v2","brand":{"color":"#0B5FFF"},"metadata":null}`, e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if body["callbackURL"] != "https://erp.example.com/hooks/v2" || field(body["brand"], "color") != "#0B5FFF" {
				t.Errorf("patched job = %v", body)
			}
		}},
		{name: "patch as application/json", op: "PATCH /api/jobs/{id}", status: 200, send: func() response {
			return e.do("PATCH", "/api/jobs/"+patchMe, `{"preflight":{"pageCount":4}}`, "Authorization", "Bearer "+e.live, "Content-Type", "application/json")
		}},
		{name: "events after a patch", op: "GET /api/jobs/{id}/events", status: 200, send: func() response {
			return e.get("/api/jobs/"+patchMe+"/events", e.live)
		}, check: func(t *testing.T, body map[string]any) {
			ev, _ := body["data"].([]any)
			if len(ev) != 2 || field(ev[0], "event_type") != "updated" || field(ev[0], "decided_by") != "api_key" {
				t.Errorf("events = %v, want two updated events by api_key", ev)
			}
		}},
		{name: "patch validation", op: "PATCH /api/jobs/{id}", status: 400, send: func() response {
			return e.patch(patchMe, `{"callbackUrl":"https://e.com","expiresAt":"2020-01-01T00:00:00Z"}`, e.live)
		}},
		{name: "patch invalid JSON", op: "PATCH /api/jobs/{id}", status: 400, send: func() response {
			return e.patch(patchMe, `{"brand":`, e.live)
		}},
		{name: "patch a final job", op: "PATCH /api/jobs/{id}", status: 409, send: func() response {
			return e.patch(expired, `{"callbackURL":"https://erp.example.com/hooks/v2"}`, e.live)
		}},
		{name: "patch preflight after upload", op: "PATCH /api/jobs/{id}", status: 409, send: func() response {
			return e.patch(hooked, `{"preflight":{"pageCount":4}}`, e.live)
		}},
		{name: "patch 413", op: "PATCH /api/jobs/{id}", status: 413, send: func() response { return e.patch(patchMe, big, e.live) }},
		{name: "patch 415", op: "PATCH /api/jobs/{id}", status: 415, send: func() response {
			return e.do("PATCH", "/api/jobs/"+patchMe, `{}`, "Authorization", "Bearer "+e.live, "Content-Type", "application/json-patch+json")
		}},
		{name: "openapi.json", op: "GET /api/openapi.json", status: 200, send: func() response {
			return e.do("GET", "/api/openapi.json", "")
		}},
	}

	// Every operation also gets the answers every route gives: 401 without
	// a key, 403 with a key lacking its scope, a success with a key that
	// has only its scope, 405 for another method and, on a job's or a
	// delivery's path, 404 for an unknown one.
	target := e.createJob(e.live, "OAS-ROUTES")
	for _, op := range o.operations() {
		method, pattern, _ := strings.Cut(op, " ")
		known, unknownID := target, "ses_00000000000000000000000000"
		if strings.HasPrefix(pattern, "/api/deliveries/") {
			known, unknownID = pinged.ID, unknownDelivery
		}
		path := strings.ReplaceAll(pattern, "{id}", known)
		if scope := o.scope(op); scope != "" {
			cases = append(cases,
				apiCase{name: op + " without key", op: op, status: 401, send: func() response {
					return e.do(method, path, "{}", "Content-Type", "application/json")
				}},
				apiCase{name: op + " without " + scope, op: op, status: 403, send: func() response {
					key := keyWith(t, e, othersThan(scope)...)
					return e.do(method, path, "{}", "Authorization", "Bearer "+key, "Content-Type", "application/json")
				}, check: func(t *testing.T, body map[string]any) {
					if d, _ := body["detail"].(string); !strings.Contains(d, scope) {
						t.Errorf("the 403 must name the scope %s: %q", scope, d)
					}
				}},
				// A key with just the documented scope gets through: the
				// answer is not 401 or 403, and whatever it is, documented.
				apiCase{name: op + " with only " + scope, op: op, send: func() response {
					key := keyWith(t, e, scope)
					return e.do(method, path, "{}", "Authorization", "Bearer "+key, "Content-Type", "application/json")
				}, notStatus: []int{http.StatusUnauthorized, http.StatusForbidden}},
			)
		}
		wrong := unusedMethod(o.operations(), pattern)
		cases = append(cases, apiCase{name: op + " wrong method", op: op, status: 405, send: func() response {
			return e.do(wrong, path, "", "Authorization", "Bearer "+e.live)
		}, check: func(t *testing.T, body map[string]any) {
			if !strings.Contains(body["detail"].(string), method) {
				t.Errorf("405 detail should name the allowed methods: %v", body["detail"])
			}
		}})
		if strings.Contains(pattern, "{id}") {
			unknown := strings.ReplaceAll(pattern, "{id}", unknownID)
			cases = append(cases, apiCase{name: op + " unknown id", op: op, status: 404, send: func() response {
				return e.do(method, unknown, "", "Authorization", "Bearer "+e.live)
			}})
		}
	}

	covered := map[string]bool{}
	for _, tc := range cases {
		r := tc.send()
		if tc.status == 0 && slices.Contains(tc.notStatus, r.status) || tc.status != 0 && r.status != tc.status {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, r.status, tc.status, r.body)
			continue
		}
		rptr := tc.respPtr
		if tc.op != "" {
			var err error
			if rptr, err = o.response(tc.op, r.status); err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			covered[tc.op+" "+strconv.Itoa(r.status)] = true
		}
		if err := o.checkResponse(rptr, r); err != nil {
			t.Errorf("%s: %d: %v", tc.name, r.status, err)
		}
		for _, h := range tc.headers {
			if r.header.Get(h) == "" {
				t.Errorf("%s: no %s header", tc.name, h)
			}
			if o.object(rptr+"/headers/"+esc(h)) == nil {
				t.Errorf("%s: the %s header is not documented at %s", tc.name, h, rptr)
			}
		}
		if tc.check != nil {
			tc.check(t, r.json(t))
		}
	}

	// The document promises no answer the API does not give: every
	// documented status but 500 was produced above.
	for _, op := range o.operations() {
		ptr, _ := o.operation(op)
		for code := range o.object(ptr + "/responses") {
			if code != "500" && !covered[op+" "+code] {
				t.Errorf("%s documents %s, but no request here produced it", op, code)
			}
		}
	}

	served := e.do("GET", "/api/openapi.json", "")
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served.body, file) {
		t.Error("GET /api/openapi.json does not serve internal/api/openapi.json")
	}
}

// unusedMethod is a method no operation on pattern has, for a 405.
func unusedMethod(ops []string, pattern string) string {
	for _, m := range []string{"PATCH", "DELETE", "PUT", "POST"} {
		if !slices.Contains(ops, m+" "+pattern) {
			return m
		}
	}
	return "TRACE"
}

// keyWith makes a live key of the tenant with exactly the given scopes.
func keyWith(t *testing.T, e *env, scopes ...string) string {
	t.Helper()
	_, key, err := e.vault.CreateKey(t.Context(), vault.KeyParams{TenantID: e.tenantID, Name: "oas", Livemode: true, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// othersThan lists every scope but one.
func othersThan(scope string) []string {
	var out []string
	for _, s := range apikey.AllScopes {
		if s != scope {
			out = append(out, s)
		}
	}
	return out
}

// TestOpenAPISchemasCatchMistakes shows that the schemas can fail: a real
// job altered in each way is refused.
func TestOpenAPISchemasCatchMistakes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	strict, open := servedOpenAPI(t, e, true), servedOpenAPI(t, e, false)
	created := e.post("/api/jobs", `{"externalId":"OAS-WRONG"}`, e.live)
	const jobSchema = "/components/schemas/Job"
	if err := strict.validateJSON(jobSchema, created.body); err != nil {
		t.Fatalf("the real job must be valid before it is altered: %v", err)
	}
	// event and delivery are valid objects of their schemas, changed by f.
	event := func(f func(m map[string]any)) map[string]any {
		m := map[string]any{
			"event_id": "evt_06h0kr3vq5bm7a4k9dxe2wzt1c", "event_type": "cancelled", "occurred_at": "2026-05-11T11:02:13Z",
			"session_id": "ses_06h0kkqpfntnf0jr5wcqjghycg", "order_ref": "X", "status": "cancelled", "sequence": json.Number("1"),
			"livemode": true, "files": map[string]any{}, "errors": []any{}, "fixes": []any{}}
		if f != nil {
			f(m)
		}
		return m
	}
	delivery := func(f func(m map[string]any)) map[string]any {
		m := map[string]any{
			"id": "del_06h0kr3vq8tqyz0m1n2p3q4r5s", "object": "delivery", "jobId": "ses_06h0kkqpfntnf0jr5wcqjghycg",
			"eventId": "evt_06h0kr3vq5bm7a4k9dxe2wzt1c", "sequence": json.Number("1"), "url": "https://erp.example.com/hook",
			"state": "failed", "livemode": true, "attemptCount": json.Number("7"), "attemptsLeft": json.Number("0"),
			"nextAttemptAt": nil, "lastStatus": json.Number("500"), "lastError": "the receiver answered 500",
			"createdAt": "2026-05-11T10:25:00Z", "deliveredAt": nil, "failedAt": "2026-05-12T10:31:07Z",
			"resolvedAt": nil, "resolvedNote": nil}
		if f != nil {
			f(m)
		}
		return m
	}
	alter := func(f func(m map[string]any)) map[string]any {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(created.body))
		if err != nil {
			t.Fatal(err)
		}
		m := v.(map[string]any)
		f(m)
		return m
	}
	for _, tc := range []struct {
		name    string
		doc     *openAPI
		ptr     string
		value   any
		wantErr bool
	}{
		{"missing required member", strict, jobSchema, alter(func(m map[string]any) { delete(m, "expiresAt") }), true},
		{"missing nullable member", strict, jobSchema, alter(func(m map[string]any) { delete(m, "callbackURL") }), true},
		{"unknown status", strict, jobSchema, alter(func(m map[string]any) { m["status"] = "done" }), true},
		{"wrong id prefix", strict, jobSchema, alter(func(m map[string]any) { m["id"] = "job_" + m["id"].(string)[4:] }), true},
		{"null list", strict, jobSchema, alter(func(m map[string]any) { m["metadata"] = nil }), true},
		{"bad timestamp", strict, jobSchema, alter(func(m map[string]any) { m["createdAt"] = "yesterday" }), true},
		{"undeclared member, strict", strict, jobSchema, alter(func(m map[string]any) { m["surprise"] = true }), true},
		{"undeclared member, published", open, jobSchema, alter(func(m map[string]any) { m["surprise"] = true }), false},
		{"list without hasMore", strict, "/components/schemas/JobList", map[string]any{"object": "list", "data": []any{}}, true},
		{"list with more but no cursor", strict, "/components/schemas/JobList", map[string]any{"object": "list", "data": []any{}, "hasMore": true}, true},
		{"event", strict, "/components/schemas/Event", event(nil), false},
		{"event without sequence", strict, "/components/schemas/Event", event(func(m map[string]any) { delete(m, "sequence") }), true},
		{"event with a null artwork_version_id", strict, "/components/schemas/Event", event(func(m map[string]any) { m["artwork_version_id"] = nil }), true},
		{"event with an attempt", strict, "/components/schemas/Event", event(func(m map[string]any) { m["attempt"] = json.Number("1") }), true},
		{"callback body without attempt", strict, "/components/schemas/CallbackBody", event(func(m map[string]any) { m["event_type"] = "uploaded" }), true},
		{"callback body with attempt 0", strict, "/components/schemas/CallbackBody", event(func(m map[string]any) {
			m["event_type"], m["attempt"] = "uploaded", json.Number("0")
		}), true},
		{"delivery", strict, "/components/schemas/Delivery", delivery(nil), false},
		{"delivery without a nullable member", strict, "/components/schemas/Delivery", delivery(func(m map[string]any) { delete(m, "nextAttemptAt") }), true},
		{"delivery in an unknown state", strict, "/components/schemas/Delivery", delivery(func(m map[string]any) { m["state"] = "lost" }), true},
		{"exception with attempts", strict, "/components/schemas/ExceptionList", map[string]any{"object": "list", "hasMore": false,
			"data": []any{delivery(func(m map[string]any) { m["attempts"] = []any{} })}}, true},
		{"exception that is not failed", strict, "/components/schemas/ExceptionList", map[string]any{"object": "list", "hasMore": false,
			"data": []any{delivery(func(m map[string]any) { m["state"] = "pending" })}}, true},
		{"ping result without statusCode", strict, "/components/schemas/PingResult", map[string]any{
			"delivery": delivery(nil), "ok": false, "response": "", "durationMs": json.Number("3"), "error": "refused"}, true},
		{"finding with unknown severity", strict, "/components/schemas/Finding", map[string]any{
			"code": "X", "check": "x", "severity": "fatal", "message": "m"}, true},
		{"problem with an unknown type", strict, "/components/schemas/Problem", map[string]any{
			"type": api.ProblemBase + "teapot", "title": "t", "status": json.Number("418"), "detail": "d"}, true},
		{"401 that is not unauthorized", strict, "/components/responses/Unauthorized/content/application~1problem+json/schema", map[string]any{
			"type": api.ProblemBase + "not-found", "title": "t", "status": json.Number("401"), "detail": "d"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.doc.validate(tc.ptr, tc.value)
			if (err != nil) != tc.wantErr {
				t.Errorf("validation error = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
	if _, err := strict.response("POST /api/jobs", http.StatusTeapot); err == nil {
		t.Error("an undocumented status must not be found")
	}
	if _, err := strict.response("DELETE /api/jobs", http.StatusOK); err == nil {
		t.Error("an undocumented operation must not be found")
	}
}

// TestOpenAPIRequestSchema sends job requests to the API and checks that
// the document's CreateJobRequest schema accepts exactly those the API
// accepts, except for the rules a schema cannot state, which are listed.
func TestOpenAPIRequestSchema(t *testing.T) {
	t.Parallel()
	e := setup(t)
	o := servedOpenAPI(t, e, false)
	const reqSchema = "/components/schemas/CreateJobRequest"
	long := func(n int, s string) string { return strings.Repeat(s, n) }
	withExt := func(members string) string { return `{"externalId":"X",` + members + `}` }
	valid := []string{
		`{"externalId":"TEST-ORDER-10001"}`,
		`{"externalId":"TEST-ORDER-10001","metadata":[{"propertyId":"orderNumber","propertyName":"Order number","value":"TEST-ORDER-10001"}],"brand":{"color":"#1A73E8","logo":"https://example.com/assets/logo.png"},"artwork":{"url":"https://example.com/files/artwork.pdf"},"callbackURL":"https://erp.example.com/hooks/submit","preflight":{"profile":"default","trimSize":{"width":210,"height":297,"unit":"mm"},"pageCount":2,"bleed":{"size":3,"unit":"mm"}}}`,
		`{"externalId":"X","metadata":null,"brand":null,"artwork":null,"callbackURL":null,"preflight":null}`,
		`{"externalId":"` + long(255, "é") + `"}`,
		`{"externalId":" A\u00a0B "}`,
		withExt(`"metadata":[]`),
		withExt(`"metadata":[{"propertyId":"a","propertyName":"A","value":""},{"propertyId":"b","propertyName":"B","value":"` + long(1000, "v") + `"}]`),
		withExt(`"brand":{}`),
		withExt(`"brand":{"color":"#17e","logo":null}`),
		withExt(`"brand":{"color":null,"logo":"HTTPS://example.com/l.png"}`),
		withExt(`"artwork":{"url":"https://example.com/a.pdf?sig=1#p"}`),
		withExt(`"callbackURL":"https://erp.example.com:8443/hooks"`),
		withExt(`"preflight":{}`),
		withExt(`"preflight":{"profile":null,"trimSize":null,"pageCount":null,"bleed":null}`),
		withExt(`"preflight":{"profile":"` + long(64, "p") + `","trimSize":{"width":1,"height":10000,"unit":"in"},"pageCount":100000,"bleed":{"size":0,"unit":"pt"}}`),
		withExt(`"preflight":{"trimSize":{"width":210.5,"height":297.25,"unit":"mm"},"bleed":{"size":100,"unit":"mm"}}`),
	}
	invalid := []string{
		`{}`, `[]`, `"x"`, `null`, `42`,
		`{"externalId":""}`, `{"externalId":"   "}`, `{"externalId":"\u3000"}`, `{"externalId":null}`, `{"externalId":42}`,
		`{"externalId":"` + long(256, "x") + `"}`, `{"externalId":"A\tB"}`, `{"externalId":"A\nB"}`, `{"externalId":"A\u007fB"}`,
		withExt(`"callbackUrl":"https://erp.example.com/hook"`), withExt(`"colour":"#fff"`),
		withExt(`"metadata":{}`), withExt(`"metadata":[null]`), withExt(`"metadata":[1]`),
		withExt(`"metadata":[` + strings.TrimSuffix(strings.Repeat(`{"propertyId":"p","propertyName":"P","value":"v"},`, 101), ",") + `]`),
		withExt(`"metadata":[{"propertyId":"a","propertyName":"A"}]`),
		withExt(`"metadata":[{"propertyId":"a","propertyName":"A","value":"1","extra":1}]`),
		withExt(`"metadata":[{"propertyId":"a","propertyName":"","value":"1"}]`),
		withExt(`"metadata":[{"propertyId":" ","propertyName":"A","value":"1"}]`),
		withExt(`"metadata":[{"propertyId":"a","propertyName":"A","value":5}]`),
		withExt(`"metadata":[{"propertyId":"a","propertyName":"A","value":"1\n2"}]`),
		withExt(`"metadata":[{"propertyId":"` + long(101, "a") + `","propertyName":"A","value":"1"}]`),
		withExt(`"metadata":[{"propertyId":"a","propertyName":"` + long(201, "a") + `","value":"1"}]`),
		withExt(`"metadata":[{"propertyId":"a","propertyName":"A","value":"` + long(1001, "v") + `"}]`),
		withExt(`"brand":[]`), withExt(`"brand":{"color":"blue"}`), withExt(`"brand":{"color":"#12345"}`),
		withExt(`"brand":{"colour":"#123"}`), withExt(`"brand":{"logo":"http://example.com/l.png"}`),
		withExt(`"artwork":{}`), withExt(`"artwork":{"url":null}`), withExt(`"artwork":"https://example.com/a.pdf"`),
		withExt(`"artwork":{"url":"https://example.com/a.pdf","name":"a"}`),
		withExt(`"callbackURL":"ftp://example.com/x"`), withExt(`"callbackURL":"http://erp.example.com/hook"`),
		withExt(`"callbackURL":"https://user:pw@example.com/hook"`), withExt(`"callbackURL":"/hooks/submit"`),
		withExt(`"callbackURL":""`), withExt(`"callbackURL":5`),
		withExt(`"callbackURL":"https://example.com/` + long(2030, "x") + `"`),
		withExt(`"preflight":[]`), withExt(`"preflight":{"dpi":300}`),
		withExt(`"preflight":{"profile":""}`), withExt(`"preflight":{"profile":"` + long(65, "p") + `"}`),
		withExt(`"preflight":{"pageCount":0}`), withExt(`"preflight":{"pageCount":1.5}`), withExt(`"preflight":{"pageCount":"2"}`),
		withExt(`"preflight":{"pageCount":100001}`),
		withExt(`"preflight":{"trimSize":{"width":210,"height":297}}`),
		withExt(`"preflight":{"trimSize":{"width":210,"height":297,"unit":"cm"}}`),
		withExt(`"preflight":{"trimSize":{"width":0,"height":297,"unit":"mm"}}`),
		withExt(`"preflight":{"trimSize":{"width":210,"height":10001,"unit":"mm"}}`),
		withExt(`"preflight":{"trimSize":{"width":"210","height":297,"unit":"mm"}}`),
		withExt(`"preflight":{"trimSize":{"width":210,"height":297,"unit":"mm","depth":1}}`),
		withExt(`"preflight":{"bleed":{"size":3}}`), withExt(`"preflight":{"bleed":{"unit":"mm"}}`),
		withExt(`"preflight":{"bleed":{"size":-1,"unit":"mm"}}`), withExt(`"preflight":{"bleed":{"size":101,"unit":"mm"}}`),
	}
	// Rules that only the server can apply. If one of these starts to be
	// expressed in the schema, or the server drops it, move the case.
	serverOnly := []string{
		withExt(`"metadata":[{"propertyId":"a","propertyName":"A","value":"1"},{"propertyId":"a","propertyName":"B","value":"2"}]`), // unique propertyId
		withExt(`"callbackURL":"https://localhost/hook"`),       // local host
		withExt(`"callbackURL":"https://10.1.2.3/hook"`),        // private address
		withExt(`"artwork":{"url":"https://169.254.169.254/"}`), // link-local (metadata) address
		withExt(`"preflight":{"pageCount":2.0}`),                // JSON Schema counts 2.0 as an integer
	}
	verdict := func(body string) (server bool, schema error) {
		t.Helper()
		r := e.post("/api/jobs", body, e.live)
		switch r.status {
		case http.StatusCreated:
			server = true
		case http.StatusBadRequest:
			wantProblem(t, r, http.StatusBadRequest, "validation")
		default:
			t.Fatalf("%s: status %d %s", shorten(body), r.status, r.body)
		}
		return server, o.validateJSON(reqSchema, []byte(body))
	}
	for _, body := range valid {
		if server, schema := verdict(body); !server || schema != nil {
			t.Errorf("%s: server accepts: %v, schema error: %v; want both to accept", shorten(body), server, schema)
		}
	}
	for _, body := range invalid {
		if server, schema := verdict(body); server || schema == nil {
			t.Errorf("%s: server accepts: %v, schema error: %v; want both to refuse", shorten(body), server, schema)
		}
	}
	for _, body := range serverOnly {
		if server, schema := verdict(body); server || schema != nil {
			t.Errorf("%s: server accepts: %v, schema error: %v; want the server alone to refuse", shorten(body), server, schema)
		}
	}
}

func shorten(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestOpenAPIMatchesCode checks the lists that the document and docs/api.md
// copy from the code: statuses, event types, callback events, problem
// types, and the table of allowed transitions.
func TestOpenAPIMatchesCode(t *testing.T) {
	t.Parallel()
	o := fileOpenAPI(t, false)
	enum := func(ptr string) []string {
		v, _ := o.at(ptr)
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	var statuses, events, callbacks []string
	for _, s := range job.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, typ := range job.EventTypes {
		events = append(events, string(typ))
		if typ.Sent(nil, nil) {
			callbacks = append(callbacks, string(typ))
		}
	}
	for _, tc := range []struct {
		ptr  string
		want []string
	}{
		{"/components/schemas/JobStatus/enum", statuses},
		{"/components/schemas/EventType/enum", events},
		{"/components/schemas/CallbackEventType/enum", events},
		{"/components/schemas/DefaultEvents/default", callbacks},
		{"/components/schemas/Warning/properties/code/enum", logo.Codes},
	} {
		if got := enum(tc.ptr); !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.ptr, got, tc.want)
		}
	}

	// Problem types: every slug the code uses is in the Problem schema's
	// enum and described in docs/api.md, and the enum has no other.
	slugRE := regexp.MustCompile(`problem\(http\.Status\w+,\s*"([a-z-]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range slugRE.FindAllStringSubmatch(string(src), -1) {
			if !slices.Contains(slugs, m[1]) {
				slugs = append(slugs, m[1])
			}
		}
	}
	if len(slugs) < 10 {
		t.Fatalf("found only %d problem slugs in the code: %v", len(slugs), slugs)
	}
	var docSlugs []string
	for _, u := range enum("/components/schemas/Problem/properties/type/enum") {
		docSlugs = append(docSlugs, strings.TrimPrefix(u, api.ProblemBase))
	}
	slices.Sort(slugs)
	slices.Sort(docSlugs)
	if !slices.Equal(slugs, docSlugs) {
		t.Errorf("problem types: the code uses %v, openapi.json lists %v", slugs, docSlugs)
	}
	md, err := os.ReadFile(filepath.Join("..", "..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slugs {
		if !bytes.Contains(md, []byte("`"+s+"`")) {
			t.Errorf("docs/api.md does not describe the problem type `%s`", s)
		}
	}

	// The transitions table of docs/api.md: one row per status, "| `from` |
	// `to`, `to` |", with "none" for final statuses.
	tick := regexp.MustCompile("`([a-z_]+)`")
	for _, s := range job.Statuses {
		prefix := "| `" + string(s) + "` |"
		var row string
		for _, line := range strings.Split(string(md), "\n") {
			if strings.HasPrefix(line, prefix) {
				row = strings.TrimPrefix(line, prefix)
				break
			}
		}
		if row == "" {
			t.Errorf("docs/api.md has no transitions row for %s", s)
			continue
		}
		cell, _, _ := strings.Cut(row, "|")
		var got []string
		for _, m := range tick.FindAllStringSubmatch(cell, -1) {
			got = append(got, m[1])
		}
		var want []string
		for _, n := range job.Next(s) {
			want = append(want, string(n))
		}
		if !slices.Equal(got, want) {
			t.Errorf("docs/api.md: %s may become %v, the state machine says %v", s, got, want)
		}
	}
}

// captured is a request the test receiver got.
type captured struct {
	header http.Header
	body   []byte
}

// TestOpenAPIWebhooks sends a real job event and a real test ping through
// the callback worker to a receiver here, and checks each request against
// the document's webhooks: body schema, every header, and the signature
// computed the way the document describes it.
func TestOpenAPIWebhooks(t *testing.T) {
	t.Parallel()
	e := setup(t)
	o := fileOpenAPI(t, true)
	got := make(chan captured, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- captured{header: r.Header.Clone(), body: b}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	// Two secrets, as during a rotation, newest first.
	var secrets []string
	for i, expiry := range []time.Time{time.Now(), time.Now().Add(time.Hour)} {
		created := time.Now().Add(time.Duration(i-2) * time.Minute)
		s := store.SigningSecret{ID: id.NewAt(id.Secret, created), TenantID: e.tenantID,
			Secret: webhook.NewSecret(), CreatedAt: created}
		if err := e.store.RotateSigningSecret(t.Context(), store.RotateSecretParams{New: s, OldExpiresAt: expiry}); err != nil {
			t.Fatal(err)
		}
		secrets = append([]string{s.Secret}, secrets...)
	}
	if got, err := e.store.ListSigningSecrets(t.Context(), e.tenantID, time.Now()); err != nil || len(got) != 2 {
		t.Fatalf("the tenant has %d signing secrets (%v), want the two of a rotation", len(got), err)
	}
	w, err := callback.New(callback.Config{
		Store: e.store, Client: receiver.Client(), Version: "1.2.3", PollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	// A job event: the job is made through the workflow, because the API
	// refuses the receiver's loopback URL.
	flow := &workflow.Service{Store: e.store, Now: time.Now, Attempts: 1, Notify: w.Notify}
	j := flow.NewJob(workflow.NewJobParams{TenantID: e.tenantID, Livemode: true, ExternalID: "OAS-HOOK", CallbackURL: receiver.URL})
	if err := flow.CreateJob(t.Context(), j, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := flow.Transition(t.Context(), workflow.Change{TenantID: e.tenantID, JobID: j.ID, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	event := receive(t, got)
	checkWebhook(t, o, "jobEvent", event, secrets)
	var body map[string]any
	if err := json.Unmarshal(event.body, &body); err != nil {
		t.Fatal(err)
	}
	if body["session_id"] != j.ID || body["event_type"] != "uploaded" || event.header.Get("X-Atomyx-Event") != "uploaded" {
		t.Errorf("callback = %s %v", event.body, event.header)
	}

	// A test ping.
	if _, _, err := w.Ping(t.Context(), callback.PingParams{TenantID: e.tenantID, Livemode: true, URL: receiver.URL}); err != nil {
		t.Fatal(err)
	}
	checkWebhook(t, o, "ping", receive(t, got), secrets)

	// The checks can fail: a callback body that lacks its sequence is
	// refused.
	delete(body, "sequence")
	if err := o.validate("/webhooks/jobEvent/post/requestBody/content/application~1json/schema", body); err == nil {
		t.Error("a callback body without sequence passed")
	}
}

func receive(t *testing.T, got <-chan captured) captured {
	t.Helper()
	select {
	case c := <-got:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no callback arrived within 10 s")
		return captured{}
	}
}

// checkWebhook checks a received request against the webhook named name.
func checkWebhook(t *testing.T, o *openAPI, name string, c captured, secrets []string) {
	t.Helper()
	ptr := "/webhooks/" + esc(name) + "/post"
	if o.object(ptr) == nil {
		t.Fatalf("openapi.json has no webhook %s", name)
	}
	if mt, _, _ := mime.ParseMediaType(c.header.Get("Content-Type")); o.object(ptr+"/requestBody/content/"+esc(mt)) == nil {
		t.Errorf("%s: Content-Type %q is not documented", name, c.header.Get("Content-Type"))
	} else if err := o.validateJSON(ptr+"/requestBody/content/"+esc(mt)+"/schema", c.body); err != nil {
		t.Errorf("%s: the body does not match the document: %v\n%s", name, err, c.body)
	}
	params, _ := o.at(ptr + "/parameters")
	list, _ := params.([]any)
	if len(list) < 9 {
		t.Fatalf("%s documents only %d headers", name, len(list))
	}
	for i, p := range list {
		param := p.(map[string]any)
		hname, _ := param["name"].(string)
		value := c.header.Get(hname)
		if value == "" {
			if param["required"] == true {
				t.Errorf("%s: the required header %s is missing", name, hname)
			}
			continue
		}
		sptr := ptr + "/parameters/" + strconv.Itoa(i) + "/schema"
		var v any = value
		if typ, _ := o.object(sptr)["type"].(string); typ == "integer" {
			v = json.Number(value)
		}
		if err := o.validate(sptr, v); err != nil {
			t.Errorf("%s: header %s: %q does not match the document: %v", name, hname, value, err)
		}
	}
	// X-Atomyx-Signature as the document says: one sha256= entry per secret,
	// the hex HMAC-SHA256 of timestamp + "." + body keyed with the secret
	// as shown.
	ts := c.header.Get("X-Atomyx-Timestamp")
	var want []string
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte(ts + "." + string(c.body)))
		want = append(want, "sha256="+hex.EncodeToString(m.Sum(nil)))
	}
	if got := c.header.Get("X-Atomyx-Signature"); got != strings.Join(want, ",") {
		t.Errorf("%s: X-Atomyx-Signature = %q, want %q", name, got, strings.Join(want, ","))
	}
	if c.header.Get("webhook-id") != c.header.Get("X-Atomyx-Delivery") {
		t.Errorf("%s: webhook-id %q must be the delivery id %q", name, c.header.Get("webhook-id"), c.header.Get("X-Atomyx-Delivery"))
	}
}
