package cli

import (
	"runtime/debug"
	"sync"
)

// Version, when set at build time with
// -ldflags "-X github.com/atomyx/submit/internal/cli.Version=1.4.0", is the
// program's version. Empty, the version comes from the build information
// Go puts in every binary (versionFrom), so that a binary built without
// the flag still says which code it runs, in `submit version`, the start
// log line and the User-Agent of callbacks and artwork fetches.
var Version string

// version is Version, or the version read from the build information.
func version() string {
	if Version != "" {
		return Version
	}
	return buildVersion()
}

var buildVersion = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return versionFrom(bi)
})

// versionFrom is the main module's version (set by go install of a
// tag, and by go build in a Git checkout since Go 1.24, as a
// pseudo-version such as v0.0.0-20261202161913-875e2e4a1b2c+dirty), else
// the VCS revision, shortened, with "-dirty" when the tree had changes,
// else "unknown": never a made-up name such as "dev" that could hide
// which code runs.
func versionFrom(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	rev = rev[:min(len(rev), 12)]
	if dirty {
		rev += "-dirty"
	}
	return rev
}
