package id

import (
	"sort"
	"testing"
	"time"
)

func TestNewSortsByTime(t *testing.T) {
	base := time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 50 {
		ids = append(ids, NewAt(Job, base.Add(time.Duration(i)*time.Millisecond)))
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("ids made later must sort later")
	}
	for _, s := range ids {
		if !HasPrefix(s, Job) || len(s) != 30 {
			t.Errorf("%q is not a well-formed job id", s)
		}
	}
}

func TestNewIsStrictlyIncreasingWithinAMillisecond(t *testing.T) {
	at := time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC)
	prev := NewAt(Job, at)
	for range 10000 {
		next := NewAt(Job, at)
		if next <= prev {
			t.Fatalf("%s after %s", next, prev)
		}
		prev = next
	}
	if earlier := NewAt(Job, at.Add(-time.Hour)); earlier <= prev {
		t.Errorf("a clock step back must not break the order: %s after %s", earlier, prev)
	}
}

func TestHasPrefix(t *testing.T) {
	good := New(Event)
	for s, want := range map[string]bool{
		good: true, "evt_": false, "ses_" + good[4:]: false, good + "x": false,
		"evt_0123456789abcdefghjkmnpqri": false, // 'i' is not Crockford
	} {
		if HasPrefix(s, Event) != want {
			t.Errorf("HasPrefix(%q) = %v", s, !want)
		}
	}
}

func TestToken(t *testing.T) {
	a, b := Token(16), Token(16)
	if a == b || len(a) != 22 {
		t.Errorf("tokens %q %q", a, b)
	}
}
