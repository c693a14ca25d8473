package cli

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/config"
)

// TestDeployFilesNameRealSettings keeps the Dockerfile and the example
// systemd unit honest: every serve flag they pass and every SUBMIT_*
// variable they mention is one serve knows. (No Docker engine or systemd
// runs the files here; docs/operations.md says what was tried.)
func TestDeployFilesNameRealSettings(t *testing.T) {
	t.Parallel()
	var c config.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.ServeFlags(fs)
	known := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { known[f.Name] = true })
	flagRE := regexp.MustCompile(`--([a-z][a-z-]+)`)
	envRE := regexp.MustCompile(`SUBMIT_[A-Z_]+`)
	for _, file := range []string{"../../Dockerfile", "../../deploy/submit.service"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for line := range strings.Lines(string(b)) {
			if !strings.Contains(line, "serve") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
				if strings.HasPrefix(m[1], "build-arg") || m[1] == "from" || m[1] == "chown" || m[1] == "now" {
					continue // docker's and systemctl's own options
				}
				seen++
				if !known[m[1]] {
					t.Errorf("%s names --%s, which submit serve does not take", file, m[1])
				}
			}
			for _, name := range envRE.FindAllString(line, -1) {
				seen++
				flagName := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "SUBMIT_"), "_", "-"))
				if !known[flagName] || config.EnvName(flagName) != name {
					t.Errorf("%s names %s, which is no setting of submit serve", file, name)
				}
			}
		}
		if seen == 0 {
			t.Errorf("%s names no setting: the test reads nothing", file)
		}
	}
}
