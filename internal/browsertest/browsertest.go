// Package browsertest starts the headless Chromium that the browser tests of
// the customer pages and of Manage drive. It is imported by tests only.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/need"
)

// New starts a headless Chromium with a fresh profile and returns a context
// driving one tab, 1280×900. Without Chromium the test is skipped, or fails
// under CI (see package need). The flags keep Chromium off the network, which
// this machine closes. JavaScript confirmation dialogs are accepted, as a
// person clicking OK would.
func New(t testing.TB) context.Context {
	t.Helper()
	chromium := need.Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.NoSandbox, chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first action starts the browser; it gets no timeout, because
	// that would stop the browser when it ran out.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// Do runs browser steps within limit and fails the test with what was being
// done. Limits are generous: the machine may be busy, and no test asserts on
// timing.
func Do(t testing.TB, ctx context.Context, limit time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Get runs one browser action that returns a value, as Do does.
func Get[T any](t testing.TB, ctx context.Context, limit time.Duration, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// Screenshots saves the page at desktop (1280 px) and phone (375 px) width
// as dir/name-desktop.png and dir/name-phone.png, only when
// SUBMIT_SCREENSHOTS=1, so that CI never rewrites the committed images;
// then it restores the desktop viewport.
func Screenshots(t testing.TB, ctx context.Context, limit time.Duration, dir, name string) {
	t.Helper()
	if os.Getenv("SUBMIT_SCREENSHOTS") != "1" {
		return
	}
	for _, size := range []struct {
		suffix        string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 860, false}, {"phone", 375, 760, true}} {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		Do(t, ctx, limit, "resize for "+name, chromedp.EmulateViewport(size.width, size.height, opts...),
			chromedp.Sleep(400*time.Millisecond))
		png := Get(t, ctx, limit, "screenshot "+name, chromedp.FullScreenshot(100))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	Do(t, ctx, limit, "restore the viewport", chromedp.EmulateViewport(1280, 900), chromedp.Sleep(200*time.Millisecond))
}
