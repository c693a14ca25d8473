// Package metric counts, times and logs the HTTP requests of every surface
// of one server (the API, the customer pages, Manage, file links), and
// turns a handler's panic into a 500 instead of a dropped connection.
package metric

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/atomyx/submit/internal/requestid"
	"github.com/prometheus/client_golang/prometheus"
)

// HTTP are the HTTP metrics, shared by every surface of one server.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTP registers the HTTP metrics with reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	m := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "submit_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "submit_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// Instrument wraps the handler of one route: it counts, times, logs and
// recovers from panics, labelled by the route pattern rather than the path so
// that ids do not explode the metric's cardinality. A nil *HTTP logs and
// recovers without counting.
func (m *HTTP) Instrument(route string, log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic",
					slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					writeInternal(sw, r)
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			if m != nil {
				m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
				m.duration.WithLabelValues(route).Observe(d.Seconds())
			}
			log.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("route", route),
				slog.Int("status", status), slog.Duration("duration", d))
		}()
		h.ServeHTTP(sw, r)
	})
}

// internalProblem is the API's "internal" problem (RFC 9457, docs/api.md),
// the answer to a panic on every surface: it says nothing of the cause and
// carries the request id that finds it in the log.
type internalProblem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	RequestID string `json:"requestId,omitempty"`
}

func writeInternal(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_ = json.NewEncoder(w).Encode(internalProblem{
		Type: "https://submit.atomyx.io/problems/internal", Title: "Internal error", Status: http.StatusInternalServerError,
		Detail:    "Something went wrong on our side. Retry later; if it persists, contact support with the request id.",
		RequestID: requestid.From(r.Context()),
	})
}

// statusWriter remembers the status a handler wrote, for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (flushing for
// server-sent events, deadlines for uploads).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
