package requestid_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/requestid"
)

// TestLogHandler: a line logged with a request's context carries its id,
// the caller's own included, through loggers made With attributes; a line
// logged outside a request has none.
func TestLogHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(requestid.LogHandler(slog.NewTextHandler(&buf, nil))).With("component", "api")
	h := requestid.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "job created")
		log.LogAttrs(r.Context(), slog.LevelWarn, "slow", slog.Int("ms", 3))
	}))
	r := httptest.NewRequest("POST", "/api/jobs", nil)
	r.Header.Set("X-Request-Id", "erp-trace-42")
	h.ServeHTTP(httptest.NewRecorder(), r)
	log.Info("no request")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines = %q", lines)
	}
	for _, l := range lines[:2] {
		if !strings.Contains(l, "request_id=erp-trace-42") || !strings.Contains(l, "component=api") {
			t.Errorf("a request's line without its id: %s", l)
		}
	}
	if strings.Contains(lines[2], "request_id") {
		t.Errorf("a line outside requests has a request id: %s", lines[2])
	}
}
