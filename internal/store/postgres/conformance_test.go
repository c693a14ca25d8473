package postgres_test

import (
	"testing"

	"github.com/atomyx/submit/internal/store/storetest"
)

// TestConformance runs the store's conformance suite on PostgreSQL. It is in
// package postgres_test because storetest opens stores with this package.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Postgres)
}
