package api

import (
	"strings"
	"testing"
)

// TestStrictJSONListsAtMost: a body made of problems gets the first few
// listed, not one line per occurrence.
func TestStrictJSONListsAtMost(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{` + strings.Repeat(`"a": 1, `, 1000) + `"a": 1}`,
		`{"a": "` + strings.Repeat(`\ud800x`, 1000) + `", "b": ["` + strings.Repeat(`\udc00", "`, 1000) + `"]}`,
	} {
		if errs := strictJSON([]byte(body)); len(errs) != maxStrictErrors {
			t.Errorf("%d problems listed, want %d", len(errs), maxStrictErrors)
		}
	}
}
