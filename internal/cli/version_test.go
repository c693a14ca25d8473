package cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	t.Parallel()
	rev := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "875e2e4a1b2c3d4e5f60718293a4b5c6d7e8f901"}}
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"module version", debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: rev}, "v1.4.0"},
		{"pseudo-version", debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202161913-875e2e4a1b2c+dirty"}}, "v0.0.0-20261202161913-875e2e4a1b2c+dirty"},
		{"revision", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "875e2e4a1b2c"},
		{"modified tree", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: append(rev, debug.BuildSetting{Key: "vcs.modified", Value: "true"})}, "875e2e4a1b2c-dirty"},
		{"clean tree", debug.BuildInfo{Settings: append(rev, debug.BuildSetting{Key: "vcs.modified", Value: "false"})}, "875e2e4a1b2c"},
		{"nothing known", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "unknown"},
	} {
		if got := versionFrom(&tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestVersionFlagWins(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = "1.4.0"
	if got := version(); got != "1.4.0" {
		t.Errorf("version() = %q, want the -ldflags value", got)
	}
}
