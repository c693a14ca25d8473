package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
)

// statusBody is what the page's script learns about its job: enough to
// update the steps in place, and View to know when to load the page anew.
type statusBody struct {
	Status   job.Status `json:"status"`
	Sequence int64      `json:"sequence"`
	View     string     `json:"view"`
	Message  string     `json:"message"`
}

// statusOf is the body for a job. Its message, for the live region, is
// English: one body goes to every stream open on the job, and the page's
// script shows its own words for the status (web.js.status.*, in the
// page's language), this message only for a status it does not know.
func statusOf(j job.Job) statusBody {
	view, _ := templateFor(j)
	key := "web.js.status." + string(j.Status)
	if view == "proofdelayed" {
		key = "web.js.status.delayed"
	}
	msg := english.T(key)
	if msg == key {
		msg = "" // a status without words (expired, cancelled): the page reloads
	}
	return statusBody{Status: j.Status, Sequence: j.Sequence, View: view, Message: msg}
}

var english = i18n.NewPrinter(i18n.English)

// status is GET /u/{token}/status, the polling fallback for browsers or
// proxies that do not carry server-sent events.
func (w *Web) status(rw http.ResponseWriter, r *http.Request) {
	r.Header.Set("Accept", "application/json") // errors as JSON too
	j, ok := w.openJob(rw, r)
	if !ok {
		return
	}
	rw.Header().Set("Cache-Control", "no-store")
	writeJSON(rw, http.StatusOK, statusOf(j))
}

// Event streams are fed by the hub, which reads the jobs of all open
// streams when the store announces a change, and once every streamPoll
// when it cannot. A stream ends after streamLife; the
// browser's EventSource reconnects by itself, so no connection outlives a
// load balancer's idle timeout.
const (
	streamPoll = time.Second
	streamLife = 5 * time.Minute
	streamPing = 20 * time.Second
)

// streamRefusals are the catalogue keys of why a stream was refused. The
// page's script polls /status instead; the words are for whoever reads
// the answer itself.
var streamRefusals = map[error]string{
	errJobStreams:  "refuse.streams.job",
	errAddrStreams: "refuse.streams.address",
}

// events is GET /u/{token}/events: server-sent events, one "status" event
// whenever the job moves, or its page changes without a new status (a
// proof given up on, and made again).
func (w *Web) events(rw http.ResponseWriter, r *http.Request) {
	r.Header.Set("Accept", "application/json")
	j, ok := w.openJob(rw, r)
	if !ok {
		return
	}
	s, err := w.hub.open(j, clientAddr(r))
	if err != nil {
		w.refuse(rw, r, http.StatusTooManyRequests, streamRefusals[err])
		return
	}
	defer w.hub.close(s)
	rc := http.NewResponseController(rw)
	h := rw.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx would hold events back
	rw.WriteHeader(http.StatusOK)
	fmt.Fprint(rw, "retry: 2000\n\n")
	writeStatus(rw, statusOf(j))
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	end := time.After(streamLife)
	for {
		if rc.Flush() != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-w.shuttingDown():
			return
		case <-end:
			return
		case <-ping.C:
			fmt.Fprint(rw, ": ping\n\n") // keeps proxies from closing an idle stream
		case now := <-s.c:
			writeStatus(rw, now)
		}
	}
}

func writeStatus(rw http.ResponseWriter, s statusBody) {
	b, _ := json.Marshal(s)
	fmt.Fprintf(rw, "event: status\nid: %d\ndata: %s\n\n", s.Sequence, b)
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(v)
}
