package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestNoticeNamesEveryModule: every module the binary links has its
// licence named in NOTICE, so that a new dependency cannot ship unnamed.
func TestNoticeNamesEveryModule(t *testing.T) {
	t.Parallel()
	notice, err := os.ReadFile("../../NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		if seen[m] {
			continue
		}
		seen[m] = true
		// The module's path as a word of its own: github.com/aws/aws-sdk-go-v2
		// must not be found inside github.com/aws/aws-sdk-go-v2/config.
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(m) + `(\s|$)`).Match(notice) {
			t.Errorf("NOTICE does not name %s and its licence", m)
		}
	}
	if len(seen) < 10 {
		t.Errorf("go list found only %d modules: %v", len(seen), seen)
	}
}
