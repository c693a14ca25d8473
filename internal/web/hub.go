package web

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// Limits of the event streams. A page needs one stream; a customer may
// have a few tabs open, and an office a few customers behind one address.
// Past a cap the page's script polls /status every few seconds instead.
const (
	streamsPerJob  = 8
	streamsPerAddr = 16
	// hubQueryIDs bounds the ids of one query, below the bind-parameter
	// limits of SQLite and PostgreSQL.
	hubQueryIDs = 500
	// hubQueryTimeout keeps one stuck query from stopping every stream's
	// updates for good.
	hubQueryTimeout = 10 * time.Second
)

// Refusals of hub.open.
var (
	errJobStreams  = errors.New("too many event streams for one job")
	errAddrStreams = errors.New("too many event streams from one address")
)

// jobLister is what the hub reads: the jobs of open streams, by id.
type jobLister interface {
	ListJobsByID(ctx context.Context, tenantID string, ids []string) ([]store.Job, error)
}

// changeFeed is a store that announces each job it changes, in this
// process or (PostgreSQL) any other: the hub then reads at once instead of
// at its next tick, and ticks seldom.
type changeFeed interface {
	SubscribeJobChanges(fn func(jobID string)) (cancel func())
}

// pushedPoll is how often the hub reads anyway when the store announces
// changes: an announcement can be missed (a listener reconnecting).
const pushedPoll = 10 * time.Second

// hub feeds the event streams of the customer pages. One goroutine reads
// every job that has an open stream, in one query per tenant, and hands
// each stream its job's status when it changed: a thousand open pages cost
// the database what one does. It reads when the store announces a change
// of a watched job (changeFeed: made by this process, or on PostgreSQL by
// any), and once a tick besides; a store that announces nothing is read
// every tick (streamPoll). The goroutine runs only while streams are open.
type hub struct {
	st    jobLister
	log   *slog.Logger
	every time.Duration
	done  <-chan struct{} // closed on shutdown
	wake  chan struct{}   // a watched job changed

	mu      sync.Mutex
	jobs    map[string]map[*stream]struct{} // open streams by job id
	addrs   map[string]int                  // open streams by client address
	running bool                            // the goroutine is running
}

// stream is one open event stream, as the hub sees it.
type stream struct {
	jobID, tenantID, addr string
	// last is the status the stream was given last; hub.mu guards it.
	last statusBody
	// c holds the newest status the stream has not written yet: a slow
	// stream skips to the newest instead of holding the hub up.
	c chan statusBody
}

func newHub(st jobLister, log *slog.Logger, done <-chan struct{}) *hub {
	h := &hub{
		st: st, log: log, every: streamPoll, done: done, wake: make(chan struct{}, 1),
		jobs: map[string]map[*stream]struct{}{}, addrs: map[string]int{},
	}
	if feed, ok := st.(changeFeed); ok {
		feed.SubscribeJobChanges(h.changed) // for the server's life
		h.every = pushedPoll
	}
	return h
}

// changed wakes the hub when a job with an open stream changed. It runs on
// the store's goroutine, so it only looks and signals.
func (h *hub) changed(jobID string) {
	h.mu.Lock()
	_, watched := h.jobs[jobID]
	h.mu.Unlock()
	if watched {
		select {
		case h.wake <- struct{}{}:
		default: // a read is due already
		}
	}
}

// open registers a stream of job j for a client address; its first status
// is j's. It refuses with errJobStreams or errAddrStreams past a cap.
// The caller closes the stream when it ends.
func (h *hub) open(j job.Job, addr string) (*stream, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case len(h.jobs[j.ID]) >= streamsPerJob:
		return nil, errJobStreams
	case h.addrs[addr] >= streamsPerAddr:
		return nil, errAddrStreams
	}
	s := &stream{jobID: j.ID, tenantID: j.TenantID, addr: addr, last: statusOf(j), c: make(chan statusBody, 1)}
	if h.jobs[j.ID] == nil {
		h.jobs[j.ID] = map[*stream]struct{}{}
	}
	h.jobs[j.ID][s] = struct{}{}
	h.addrs[addr]++
	if !h.running {
		h.running = true
		go h.run()
	}
	return s, nil
}

// close frees the stream's places.
func (h *hub) close(s *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.jobs[s.jobID], s)
	if len(h.jobs[s.jobID]) == 0 {
		delete(h.jobs, s.jobID)
	}
	if h.addrs[s.addr]--; h.addrs[s.addr] <= 0 {
		delete(h.addrs, s.addr)
	}
}

// run reads at each tick and each change until no stream is open or the
// server shuts down.
func (h *hub) run() {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			h.mu.Lock()
			h.running = false
			h.mu.Unlock()
			return
		case <-t.C:
		case <-h.wake:
		}
		ctx, cancel := context.WithTimeout(context.Background(), hubQueryTimeout)
		more := h.poll(ctx)
		cancel()
		if !more {
			return
		}
	}
}

// poll reads every job with an open stream and hands the streams the
// statuses that changed. It reports false, and marks the goroutine
// stopped, when no stream is open.
func (h *hub) poll(ctx context.Context) bool {
	byTenant := h.watched()
	if byTenant == nil {
		return false
	}
	for tenantID, ids := range byTenant {
		for chunk := range slices.Chunk(ids, hubQueryIDs) {
			js, err := h.st.ListJobsByID(ctx, tenantID, chunk)
			if err != nil {
				// The streams keep their last status and the next tick tries again.
				h.log.WarnContext(ctx, "read jobs for event streams", slog.Int("jobs", len(chunk)), slog.Any("error", err))
				continue
			}
			h.publish(js)
		}
	}
	return true
}

// watched returns the ids of the jobs with open streams by tenant, or nil
// (and running set false) when there are none.
func (h *hub) watched() map[string][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.jobs) == 0 {
		h.running = false
		return nil
	}
	byTenant := map[string][]string{}
	for jobID, streams := range h.jobs {
		for s := range streams {
			byTenant[s.tenantID] = append(byTenant[s.tenantID], jobID)
			break
		}
	}
	return byTenant
}

// publish hands each stream of the jobs its job's status, when it is not
// what the stream was given last: a new status, or a new page without one
// (a proof given up on, and made again).
func (h *hub) publish(js []store.Job) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, j := range js {
		now := statusOf(j)
		for s := range h.jobs[j.ID] {
			// Older than what the stream has (it opened with a newer read
			// while this query ran), or nothing new: the page must not go
			// back a step.
			if now.Sequence < s.last.Sequence || (now.Sequence == s.last.Sequence && now.View == s.last.View) {
				continue
			}
			s.last = now
			select { // drop a status the stream has not written: now is newer
			case <-s.c:
			default:
			}
			s.c <- now // cannot block: only the hub sends, under h.mu
		}
	}
}
