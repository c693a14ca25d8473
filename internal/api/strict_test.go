package api

import (
	"runtime"
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

// TestStrictJSONDeepNesting: a body nested as deep as encoding/json allows,
// under a long member name, is refused after a bounded amount of work:
// following every level held each level's name and pointer, 110 MB for
// this 62 KB body and gigabytes for a 1 MiB one.
func TestStrictJSONDeepNesting(t *testing.T) {
	const depth = 2000
	body := `{"` + strings.Repeat("n", 50_000) + `":` + strings.Repeat(`{"x":`, depth) + `1` + strings.Repeat(`}`, depth+1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	errs := strictJSON([]byte(body))
	runtime.ReadMemStats(&after)
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "more than 32 deep") {
		t.Errorf("problems %v, want one about the nesting", errs)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("scanning allocated %d MB, want under 8", got>>20)
	}
}
