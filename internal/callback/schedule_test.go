package callback

import (
	"net/http"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Schedule
		ok   bool
	}{
		{"0s,1m,5m,15m,1h,6h,24h", DefaultSchedule, true},
		{"0s, 1s ,2s", Schedule{0, time.Second, 2 * time.Second}, true},
		{"0s", Schedule{0}, true},
		{"", nil, false},
		{"0s,soon", nil, false},
		{"1m,0s", nil, false},
		{"-1s,0s", nil, false},
	}
	for _, tt := range tests {
		got, err := ParseSchedule(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseSchedule(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && !equalSchedules(got, tt.want) {
			t.Errorf("ParseSchedule(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func equalSchedules(a, b Schedule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestScheduleNext(t *testing.T) {
	t.Parallel()
	s := DefaultSchedule
	const none = 0.5 // rnd that gives no jitter
	tests := []struct {
		name       string
		left       int
		retryAfter time.Duration
		rnd        float64
		want       time.Duration
		ok         bool
	}{
		{"after the 1st attempt", 7, 0, none, time.Minute, true},
		{"after the 2nd", 6, 0, none, 4 * time.Minute, true},
		{"after the 3rd", 5, 0, none, 10 * time.Minute, true},
		{"after the 4th", 4, 0, none, 45 * time.Minute, true},
		{"after the 5th", 3, 0, none, 5 * time.Hour, true},
		{"after the 6th", 2, 0, none, 18 * time.Hour, true},
		{"after the 7th: none left", 1, 0, none, 0, false},
		{"nothing left", 0, 0, none, 0, false},
		{"jitter down 10%", 7, 0, 0, 54 * time.Second, true},
		{"jitter up 10%", 7, 0, 1, 66 * time.Second, true},
		{"Retry-After shorter: the schedule wins", 7, 10 * time.Second, none, time.Minute, true},
		{"Retry-After longer: honoured", 7, 3 * time.Minute, none, 3 * time.Minute, true},
		{"Retry-After past the attempt after next: capped there", 7, time.Hour, none, 5 * time.Minute, true},
		{"Retry-After on the last retry: not extended", 2, 48 * time.Hour, none, 18 * time.Hour, true},
		{"redelivery with more attempts than the schedule", 9, 0, none, time.Minute, true},
	}
	for _, tt := range tests {
		got, ok := s.Next(tt.left, tt.retryAfter, tt.rnd)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: Next(%d, %s, %v) = %s, %v; want %s, %v", tt.name, tt.left, tt.retryAfter, tt.rnd, got, ok, tt.want, tt.ok)
		}
	}
	zero := Schedule{0, 0, 0}
	if got, ok := zero.Next(3, 0, 0); got != 0 || !ok {
		t.Errorf("zero schedule: Next = %s, %v; want 0s, true", got, ok)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := RetryAfter(tt.in, now); got != tt.want {
			t.Errorf("RetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestScheduleNextShortenedSchedule covers deliveries made under a longer
// schedule than the one in force after a restart: they must neither panic
// nor wait past the schedule.
func TestScheduleNextShortenedSchedule(t *testing.T) {
	t.Parallel()
	if _, ok := (Schedule{0}).Next(7, 0, 0.5); ok {
		t.Error("a one-attempt schedule retries nothing")
	}
	s := Schedule{0, time.Minute}
	for _, retryAfter := range []time.Duration{0, time.Hour} {
		wait, ok := s.Next(7, retryAfter, 0.5)
		if !ok || wait != time.Minute {
			t.Errorf("Next(7, %s) = %s, %v; want the schedule's one gap", retryAfter, wait, ok)
		}
	}
}
