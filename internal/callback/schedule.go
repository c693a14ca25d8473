package callback

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Schedule is when the attempts of a delivery are made, as delays from the
// first attempt of a round: "0s,1m,5m,15m,1h,6h,24h" makes 7 attempts, the
// last one about 24 h after the first. Its length is the number of attempts.
// The first attempt is always made as soon as the event is recorded, so the
// first delay is conventionally 0s (--callback-retry-schedule).
//
// Each retry is scheduled from the failed attempt before it, waiting the
// difference between the two entries (1m, 4m, 10m, 45m, 5h, 18h by default),
// spread by ±10% jitter so that many deliveries failing together do not
// retry together. A Retry-After header on 429 or 503 is honoured when it asks
// for a longer wait, but never beyond the time the attempt after the next
// one would be due; for the last retry it cannot delay at all. A shorter
// Retry-After does not make Submit retry sooner than the schedule.
type Schedule []time.Duration

// DefaultSchedule is the contract's: immediate, 1 min, 5 min, 15 min, 1 h,
// 6 h, 24 h.
var DefaultSchedule = Schedule{0, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

// ParseSchedule parses "0s,1m,5m" as --callback-retry-schedule takes it.
func ParseSchedule(s string) (Schedule, error) {
	var out Schedule
	for i, p := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("retry schedule %q: item %d is not a duration such as 0s, 1m or 6h", s, i+1)
		}
		out = append(out, d)
	}
	return out, out.Validate()
}

// Validate checks that the schedule has at least one attempt and that its
// delays are zero or more and do not decrease.
func (s Schedule) Validate() error {
	if len(s) == 0 {
		return errors.New("retry schedule: needs at least one delay, such as 0s")
	}
	for i, d := range s {
		if d < 0 || i > 0 && d < s[i-1] {
			return fmt.Errorf("retry schedule: delays must be zero or more and must not decrease (item %d is %s)", i+1, d)
		}
	}
	return nil
}

// Attempts is the number of attempts of a round.
func (s Schedule) Attempts() int { return len(s) }

// jitterFraction is the spread of a wait: ±10%.
const jitterFraction = 0.1

// Next returns how long to wait after a failed attempt before the next one.
// left is how many attempts the round had left before the failed one
// (store.Delivery.AttemptsLeft); ok is false when it was the last. retryAfter
// is the receiver's Retry-After (0 when none). rnd in [0, 1) picks the jitter;
// 0.5 means none.
func (s Schedule) Next(left int, retryAfter time.Duration, rnd float64) (wait time.Duration, ok bool) {
	// A schedule of one attempt has no retries, even for a delivery made
	// under a longer schedule before a restart shortened it.
	if left <= 1 || len(s) < 2 {
		return 0, false
	}
	// i is the index of the failed attempt in the schedule. A delivery
	// with more attempts left than the schedule has (a redelivery, or a
	// schedule shortened since) waits the first gap until the remaining
	// attempts fit the schedule.
	i := max(len(s)-left, 0)
	gap := s[i+1] - s[i]
	wait = gap + time.Duration(float64(gap)*jitterFraction*(2*rnd-1))
	if retryAfter > wait {
		bound := gap
		if left > 2 && i+2 < len(s) { // another attempt follows the next one
			bound = s[i+2] - s[i]
		}
		wait = max(wait, min(retryAfter, bound))
	}
	return max(wait, 0), true
}

// RetryAfter reads a Retry-After header at now: delay-seconds or an HTTP
// date. It returns 0 for a missing, unreadable or past value.
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(1e6))) * time.Second // about 11 days: past any schedule bound anyway
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
