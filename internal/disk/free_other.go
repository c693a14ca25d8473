//go:build !unix

package disk

import "math"

// free is not measured where free_unix.go is not built: the checks pass.
func free(string) (int64, error) { return math.MaxInt64, nil }
