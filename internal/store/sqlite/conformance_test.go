package sqlite_test

import (
	"testing"

	"github.com/atomyx/submit/internal/store/storetest"
)

// TestConformance runs the store's conformance suite on SQLite. It is in
// package sqlite_test because storetest opens stores with this package.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.SQLite)
}
