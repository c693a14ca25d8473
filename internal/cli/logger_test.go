package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/config"
	"github.com/atomyx/submit/internal/requestid"
)

// TestLoggerHasRequestID: serve's logger, in both formats, puts the
// caller's request id in the lines logged while serving the request.
func TestLoggerHasRequestID(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]string{"text": "request_id=erp-trace-42", "json": `"request_id":"erp-trace-42"`} {
		var buf bytes.Buffer
		log := newLogger(&buf, &config.Config{LogFormat: format})
		h := requestid.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log.InfoContext(r.Context(), "callback test ping")
		}))
		r := httptest.NewRequest("POST", "/api/callbacks/ping", nil)
		r.Header.Set("X-Request-Id", "erp-trace-42")
		h.ServeHTTP(httptest.NewRecorder(), r)
		if !strings.Contains(buf.String(), want) {
			t.Errorf("%s: %q lacks %s", format, buf.String(), want)
		}
	}
}
