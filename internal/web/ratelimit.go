package web

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is a token bucket per client address. It is in memory and per
// process: behind a load balancer each process keeps its own buckets, which
// multiplies the allowance by the number of processes. That still turns a
// scan for links (which have 128 random bits anyway) into a crawl, and
// keeps one client from flooding the pages.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// take spends one token of key's bucket. When none is left it returns how
// long until one is.
func (l *limiter) take(key string) (ok bool, wait time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= 50000 {
			l.sweep(now) // bound memory under a spray of addresses
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// sweep forgets buckets that have refilled: they hold nothing a new bucket
// would not. l.mu is held.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// limit answers 429 with Retry-After once the client's bucket is empty.
func (w *Web) limit(next http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if ok, wait := w.limiter.take(clientAddr(r)); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			rw.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			w.refuse(rw, r, http.StatusTooManyRequests, "Too many requests from your network. Wait a few seconds and try again.")
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
