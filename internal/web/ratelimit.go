package web

import (
	"context"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/atomyx/submit/internal/periodic"
	"github.com/atomyx/submit/internal/store"
)

// rateStore counts requests per address in the database, so that every
// process behind a load balancer counts against one allowance.
type rateStore interface {
	HitRateLimit(ctx context.Context, p store.HitRateLimitParams) (store.RateCount, error)
	DeleteRateLimits(ctx context.Context, before time.Time) (int64, error)
}

// limiter allows burst requests per address at once and rate a second
// after that, counted in the database: a sliding window of burst/rate
// seconds, estimated from fixed windows of that length as the current
// window's count plus the previous window's weighted by how much of it the
// sliding window still covers. A client that spent its burst regains
// rate requests a second as the previous window's weight falls, as from a
// token bucket. Refused requests count too: a client that does not slow
// down stays refused.
//
// Each request costs one UPSERT. That still turns a scan for links (which
// have 128 random bits anyway) into a crawl, and keeps one client from
// flooding the pages.
type limiter struct {
	st     rateStore
	rate   float64 // requests per second, sustained
	burst  float64
	window time.Duration // burst/rate
	now    func() time.Time
	log    *slog.Logger

	sweepGate periodic.Gate // finished windows are forgotten once a window
}

func newLimiter(st rateStore, rate float64, burst int, now func() time.Time, log *slog.Logger) *limiter {
	w := time.Duration(float64(burst) / rate * float64(time.Second)).Truncate(time.Millisecond)
	return &limiter{st: st, rate: rate, burst: float64(burst), window: max(w, time.Second), now: now, log: log}
}

// take counts a request of key. When key is over its allowance it returns
// how long until the next request is allowed. A store that fails lets the
// request through: the page would fail on its own read anyway, and a
// limit must not turn a slow database into refusals.
func (l *limiter) take(ctx context.Context, key string) (ok bool, wait time.Duration) {
	now := l.now().UTC()
	start := now.Truncate(l.window)
	c, err := l.st.HitRateLimit(ctx, store.HitRateLimitParams{Subject: "page:" + key, Window: start, Length: l.window})
	if err != nil {
		if ctx.Err() == nil {
			l.log.Warn("count a request", slog.Any("error", err))
		}
		return true, 0
	}
	l.sweep(ctx, now)
	return l.judge(c, now)
}

// judge decides on the counts c as of now.
func (l *limiter) judge(c store.RateCount, now time.Time) (bool, time.Duration) {
	w := l.window.Seconds()
	elapsed := min(max(now.Sub(c.Window).Seconds(), 0), w)
	prev, hits := float64(c.PreviousHits), float64(c.Hits)
	if prev*(1-elapsed/w)+hits <= l.burst {
		return true, 0
	}
	// The next request (one more hit) is allowed once the previous
	// window's share has fallen enough, still in this window ...
	if room := l.burst - hits - 1; room >= 0 && prev > 0 {
		at := w * (1 - room/prev)
		return false, time.Duration((at - elapsed) * float64(time.Second))
	}
	// ... or once this window's count, then the previous one, has.
	at := w - elapsed
	if hits > l.burst-1 {
		at += w * (1 - (l.burst-1)/hits)
	}
	return false, time.Duration(at * float64(time.Second))
}

// sweep forgets finished windows, at most once a window per process and in
// the background, so that no request waits for it.
func (l *limiter) sweep(ctx context.Context, now time.Time) {
	if !l.sweepGate.Open(now, l.window) {
		return
	}
	go func() {
		// A window and the one before it are still read.
		before := now.Truncate(l.window).Add(-l.window)
		if _, err := l.st.DeleteRateLimits(context.WithoutCancel(ctx), before); err != nil {
			l.log.Warn("forget finished rate-limit windows", slog.Any("error", err))
		}
	}()
}

// limit answers 429 with Retry-After once the client's allowance is spent.
func (w *Web) limit(next http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if ok, wait := w.limiter.take(r.Context(), clientAddr(r)); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			rw.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			w.refuse(rw, r, http.StatusTooManyRequests, "refuse.rateLimit")
			return
		}
		next(rw, r)
	}
}

// clientAddr is the address limits are counted by: the connection's.
// X-Forwarded-For is not trusted, because any client can set it.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
