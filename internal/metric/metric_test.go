package metric_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/metric"
	"github.com/atomyx/submit/internal/requestid"
	"github.com/prometheus/client_golang/prometheus"
)

// TestInstrument: requests are counted by route pattern and status, and a
// handler's panic becomes the API's internal problem with the request id.
func TestInstrument(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metric.NewHTTP(reg)
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	mux.Handle("GET /ok/{id}", m.Instrument("GET /ok/{id}", log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})))
	mux.Handle("GET /panic", m.Instrument("GET /panic", log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})))
	srv := httptest.NewServer(requestid.Handler(mux))
	t.Cleanup(srv.Close)

	for _, p := range []string{"/ok/1", "/ok/2"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	res, err := http.Get(srv.URL + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p map[string]any
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Content-Type") != "application/problem+json" ||
		p["type"] != "https://submit.atomyx.io/problems/internal" || p["status"] != float64(500) ||
		p["requestId"] != res.Header.Get("X-Request-Id") || strings.Contains(p["detail"].(string), "boom") {
		t.Errorf("panic answered %d %s: %v", res.StatusCode, res.Header.Get("Content-Type"), p)
	}

	counts := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "submit_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			var route, status string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "route":
					route = l.GetValue()
				case "status":
					status = l.GetValue()
				}
			}
			counts[route+" "+status] = m.GetCounter().GetValue()
		}
	}
	if len(counts) != 2 || counts["GET /ok/{id} 200"] != 2 || counts["GET /panic 500"] != 1 {
		t.Errorf("requests counted = %v", counts)
	}
}

// TestInstrumentWithoutMetrics: a nil *HTTP still serves and recovers.
func TestInstrumentWithoutMetrics(t *testing.T) {
	t.Parallel()
	var m *metric.HTTP
	h := m.Instrument("GET /panic", slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/panic", nil))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
}
