package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/atomyx/submit/internal/job"
)

// FuzzCreateJobBody feeds arbitrary bodies through parsing and validation:
// whatever comes in, the answer is a request or a list of problems that
// each carry a JSON Pointer, never a panic; what is accepted is UTF-8 and
// its externalId free of control characters.
func FuzzCreateJobBody(f *testing.F) {
	for _, seed := range []string{
		`{"externalId":"TEST-ORDER-10001"}`,
		`{"externalId":"X","metadata":[{"propertyId":"a","propertyName":"A","value":"1"}],"brand":{"color":"#fff","logo":"https://e.com/l.png"}}`,
		`{"externalId":"X","preflight":{"profile":"default","trimSize":{"width":210,"height":297,"unit":"mm"},"pageCount":2,"bleed":{"size":3,"unit":"mm"}}}`,
		`{"externalId":"X","callbackUrl":"https://e.com","a/b~c":1}`,
		`{"metadata":[1,null,{"propertyId":{}}],"brand":[],"artwork":{"url":5}}`,
		`{"externalId":"X","preflight":{"pageCount":1e400,"trimSize":{"width":"1"}}}`,
		"{\"externalId\":\"\u0000\"}", `[`, `{"a":`, `nul`, `"x"`, `{}{}`, "",
		`{"externalId":"A","externalId":"B","metadata":[{"a":1,"a\u0000":2,"a":[{"b":{},"b":null}]}]}`,
		`{"externalId":"\ud83d\ude00\ud800\udc00\udfff\\u\"\/"}`, "{\"externalId\":\"\xff\xed\xa0\x80\u202e\"}",
	} {
		f.Add([]byte(seed))
	}
	jv := jobValidator{}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, p := parseJSON(body)
		if p != nil {
			if p.Status != http.StatusBadRequest || p.Detail == "" {
				t.Fatalf("parse problem %+v", p)
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted a body that is not UTF-8: %q", body)
		}
		req, errs := jv.decodeCreateJob(v)
		for _, e := range errs {
			if e.Detail == "" || (e.Pointer != "" && !strings.HasPrefix(e.Pointer, "/")) {
				t.Fatalf("bad field error %+v", e)
			}
		}
		if len(errs) == 0 && (req.ExternalID == "" || len(req.ExternalID) > 4*255 || job.CheckLine(req.ExternalID) != nil) {
			t.Fatalf("accepted a request without a valid externalId: %q", req.ExternalID)
		}
	})
}

// FuzzReadJSONBody checks the HTTP layer of decoding: content types and
// sizes never make it panic.
func FuzzReadJSONBody(f *testing.F) {
	f.Add("application/json", []byte(`{"externalId":"X"}`))
	f.Add("application/json; charset=utf-8", []byte(`{`))
	f.Add("text/plain", []byte(`x`))
	f.Add(";;;", []byte{})
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		r := httptest.NewRequest("POST", "/api/jobs", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		b, p := readJSONBody(w, r)
		if p == nil && string(b) != string(body) {
			t.Fatal("body changed in reading")
		}
		if p != nil && p.Status < 400 {
			t.Fatalf("problem with status %d", p.Status)
		}
	})
}
