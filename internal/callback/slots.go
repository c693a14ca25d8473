package callback

import (
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// queueWait is how long a claimed delivery may wait for a slot of its host.
// Past it the host counts as slow: its waiting deliveries are dropped (they
// stay leased and come back when the lease ends) and, for queueWait, its new
// ones too, so that a slow or dead receiver never holds the claims that
// other tenants' deliveries need. A fast receiver drains its queue well
// within it, so a burst to one host loses nothing.
const queueWait = time.Second

// slots is the worker's bookkeeping of attempts in flight and deliveries
// queued behind a busy host. The Worker's mu guards it.
type slots struct {
	limit, perHost int
	active         int // attempts in flight
	queued         int // deliveries claimed and waiting for their host
	hosts          map[string]*host
	// wantSlot is set when the last cycle found no room to claim, so that
	// the next finishing attempt wakes the loop.
	wantSlot bool
}

type host struct {
	active    int
	queue     []queued
	slowUntil time.Time
}

type queued struct {
	c          store.ClaimedDelivery
	since      time.Time
	leaseUntil time.Time
}

func (s *slots) init(limit, perHost int) {
	s.limit, s.perHost, s.hosts = limit, perHost, map[string]*host{}
}

// budget is how many more deliveries the worker may claim.
func (s *slots) budget() int { return max(s.limit-s.active-s.queued, 0) }

// hostKey is what PerHost counts by: the URL's host and port, lower case,
// with the scheme's default port written out, so that two spellings of one
// receiver share its slots.
func hostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// offer starts a claimed delivery, queues it behind its host, or drops it
// when its host is known to be slow.
func (w *Worker) offer(c store.ClaimedDelivery, now, leaseUntil time.Time) {
	key := hostKey(c.Delivery.URL)
	h := w.hosts[key]
	if h == nil {
		h = &host{}
		w.hosts[key] = h
	}
	switch {
	case w.stopping:
		w.drop(c, "the worker is stopping")
	case h.active < w.perHost && w.active < w.limit:
		w.start(h, c)
	case now.Before(h.slowUntil):
		w.drop(c, "its receiver is slow")
	default:
		h.queue = append(h.queue, queued{c: c, since: now, leaseUntil: leaseUntil})
		w.queued++
	}
}

// pump starts queued deliveries whose host has a free slot and drops those
// that waited too long.
func (w *Worker) pump(now time.Time) {
	if w.stopping {
		return
	}
	for key, h := range w.hosts {
	queue:
		for len(h.queue) > 0 {
			q := h.queue[0]
			switch {
			case now.Sub(q.since) > queueWait:
				h.slowUntil = now.Add(queueWait)
				w.drop(q.c, "its receiver is slow")
			case now.Add(w.cfg.Timeout + w.cfg.Timeout/2).After(q.leaseUntil):
				w.drop(q.c, "its lease is running out")
			case h.active < w.perHost && w.active < w.limit:
				w.start(h, q.c)
			default:
				break queue // the host is busy: keep the rest queued
			}
			h.queue = h.queue[1:]
			w.queued--
		}
		if h.active == 0 && len(h.queue) == 0 && !now.Before(h.slowUntil) {
			delete(w.hosts, key)
		}
	}
}

// drop forgets a claimed delivery without attempting it. It stays leased to
// this worker, so it is claimed again, by any worker, when the lease ends.
func (w *Worker) drop(c store.ClaimedDelivery, why string) {
	w.cfg.Logger.Debug("callback delivery postponed to the end of its lease",
		"delivery", c.Delivery.ID, "host", hostKey(c.Delivery.URL), "reason", why)
}

// dropQueued forgets every queued delivery, on Stop.
func (w *Worker) dropQueued() {
	for _, h := range w.hosts {
		for _, q := range h.queue {
			w.drop(q.c, "the worker is stopping")
		}
		h.queue = nil
	}
	w.queued = 0
}

// start runs one attempt in its own goroutine.
func (w *Worker) start(h *host, c store.ClaimedDelivery) {
	h.active++
	w.active++
	w.sends.Add(1)
	go func() {
		defer w.sends.Done()
		w.deliver(w.sendCtx, c)
		w.finish(h)
	}()
}

// finish frees the slot of an attempt and hands it on.
func (w *Worker) finish(h *host) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h.active--
	w.active--
	w.pump(time.Now())
	if w.wantSlot {
		w.wantSlot = false
		w.Notify()
	}
}
