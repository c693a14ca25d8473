package apikey

import (
	"errors"
	"strings"
	"testing"
)

func TestGenerateParse(t *testing.T) {
	for _, live := range []bool{true, false} {
		key, lookup, hash := Generate(live)
		p, err := Parse(key)
		if err != nil {
			t.Fatalf("Parse(%q): %v", key, err)
		}
		if p.Livemode != live || p.Lookup != lookup || len(lookup) != 12 {
			t.Errorf("Parse(%q) = %+v, want live=%v lookup=%q", key, p, live, lookup)
		}
		if !Matches(key, hash) {
			t.Error("a key must match its own hash")
		}
		if Matches(key[:len(key)-1]+"x", hash) && !strings.HasSuffix(key, "x") {
			t.Error("a changed key must not match")
		}
	}
	a, _, _ := Generate(true)
	b, _, _ := Generate(true)
	if a == b {
		t.Error("two keys are equal")
	}
}

func TestParseRejects(t *testing.T) {
	good, _, _ := Generate(true)
	for _, k := range []string{"", "sk_prod_" + good[8:], "pk_live_" + good[8:], good[:20], good + "A", good[:30] + "-" + good[31:]} {
		if _, err := Parse(k); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) = %v, want ErrMalformed", k, err)
		}
	}
}

func TestParseScopes(t *testing.T) {
	all, err := ParseScopes("")
	if err != nil || len(all) != len(AllScopes) {
		t.Errorf("empty = %v, %v", all, err)
	}
	got, err := ParseScopes("jobs:read, jobs:read")
	if err != nil || len(got) != 1 {
		t.Errorf("dedupe = %v, %v", got, err)
	}
	if _, err := ParseScopes("jobs:delete"); err == nil {
		t.Error("unknown scope accepted")
	}
}
