package requestid_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/requestid"
)

// TestHandler: a plain id from the caller is kept, anything else is
// replaced by a new one; the handler sees the id that is sent back.
func TestHandler(t *testing.T) {
	t.Parallel()
	var seen string
	h := requestid.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = requestid.From(r.Context())
	}))
	for _, tt := range []struct{ sent, want string }{
		{"erp-trace_42.1", "erp-trace_42.1"},
		{"", "req_"},
		{"bad id with spaces", "req_"},
		{"<script>", "req_"},
		{strings.Repeat("a", 65), "req_"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.sent != "" {
			r.Header.Set("X-Request-Id", tt.sent)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get("X-Request-Id")
		if !strings.HasPrefix(got, tt.want) || got != seen {
			t.Errorf("sent %q: header %q, handler saw %q, want %q", tt.sent, got, seen, tt.want)
		}
	}
	if got := requestid.From(t.Context()); got != "" {
		t.Errorf("From outside a request = %q", got)
	}
}
