package preflight

import (
	"os"
	"strings"
	"testing"
)

// docs/preflight.md must list every finding code, since codes are API.
func TestDocsListEveryCode(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/preflight.md")
	if err != nil {
		t.Fatalf("read docs: %v", err)
	}
	for code := range Codes() {
		if !strings.Contains(string(data), "`"+code+"`") {
			t.Errorf("docs/preflight.md does not document %s", code)
		}
	}
}

func TestProfilesAreValid(t *testing.T) {
	t.Parallel()
	names := ProfileNames()
	if len(names) < 2 {
		t.Fatalf("profiles = %v, want default and cmyk-strict", names)
	}
	for _, n := range names {
		p, err := LoadProfile(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
		}
		if p.Name != n {
			t.Errorf("profile file %s.json is named %q", n, p.Name)
		}
	}
	for _, bad := range []string{"../profiles/default", "nope", "default.json"} {
		if _, err := LoadProfile(bad); err == nil {
			t.Errorf("LoadProfile(%q) succeeded", bad)
		}
	}
	if _, err := ParseProfile([]byte(`{"name":"x","rgb":"loud"}`)); err == nil {
		t.Error("a profile with severity \"loud\" was accepted")
	}
	if _, err := ParseProfile([]byte(`{"name":"x","rgbb":"off"}`)); err == nil {
		t.Error("a profile with an unknown field was accepted")
	}
}
