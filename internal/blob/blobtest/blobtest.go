// Package blobtest starts the S3-compatible server the tests store files
// in: gofakes3 on loopback, a real S3-protocol server, so that no test
// mocks S3 inside Submit.
package blobtest

import (
	"net/http/httptest"
	"os"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 starts an in-memory S3 server for the test and returns the blob URL
// (--blob-url) of prefix in its bucket "submit-test". The credentials are
// process environment, which processes the test starts inherit too, so a
// test that calls S3 cannot be parallel.
func S3(t testing.TB, prefix string) string {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true)).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	return "s3://submit-test/" + prefix + "?region=eu-west-1&use_path_style=true&endpoint=" + srv.URL
}
