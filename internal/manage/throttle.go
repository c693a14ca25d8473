package manage

import (
	"sync"
	"time"
)

// throttle counts failed sign-ins per key (an email, an IP address) and
// refuses further tries once a key has limit failures within window. It is
// in memory and per process: several processes behind one load balancer
// each keep their own counts, which multiplies the allowance by the number
// of processes but still turns an online guessing attack from millions of
// tries into dozens.
type throttle struct {
	limit  int
	window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time // failure times within the window, oldest first
}

func newThrottle(limit int, window time.Duration) *throttle {
	return &throttle{limit: limit, window: window, fails: map[string][]time.Time{}}
}

// wait returns how long key must wait before its next try; 0 means now.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs := t.prune(key, now)
	if len(fs) < t.limit {
		return 0
	}
	return fs[len(fs)-t.limit].Add(t.window).Sub(now)
}

// fail records a failed try of key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs := append(t.prune(key, now), now)
	if len(fs) > t.limit {
		fs = fs[len(fs)-t.limit:] // older ones cannot matter any more
	}
	t.fails[key] = fs
	if len(t.fails) > 10000 {
		t.sweep(now) // bound memory under a spray of distinct keys
	}
}

// reset forgets key's failures, after a successful sign-in.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// prune drops key's failures older than the window; t.mu is held.
func (t *throttle) prune(key string, now time.Time) []time.Time {
	fs := t.fails[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= t.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = fs
	return fs
}

// sweep prunes every key; t.mu is held.
func (t *throttle) sweep(now time.Time) {
	for k := range t.fails {
		t.prune(k, now)
	}
}
