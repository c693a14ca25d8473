// Package browsertest starts the headless Chromium that the browser tests of
// the customer pages and of Manage drive. It is imported by tests only.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
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

// Shown waits until the element that the CSS selector css finds is visible
// in a document that has finished loading, and reloads and navigations on
// the way are waited out. Wait with it, not with chromedp.WaitVisible,
// after anything that loads a page: Chromium announces a new document
// twice, when it commits and again at DOMContentLoaded, and the second
// announcement invalidates every node id that a step took in between, so a
// click or a read started right after a navigation fails with "Could not
// find node with given id". Shown reads the page in JavaScript, holding no
// node id, and once the load event has fired both announcements are past.
func Shown(css string) chromedp.Action[chromedp.Void] {
	sel, _ := json.Marshal(css)
	check := fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		return document.readyState === "complete" && el !== null &&
			!!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
	})()`, sel)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for {
			// An error is a page going away under the check: try again.
			if ok, err := chromedp.Evaluate[bool](check)(ctx, t); err == nil && ok {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("waiting for %s: %w", css, ctx.Err())
			case <-time.After(25 * time.Millisecond):
			}
		}
	}
}

// Started is Shown on a page whose script marks <html> with class js when
// it starts, as the customer pages' script does. That script waits for its
// words first (words.js), which can end after the page's load event: a
// step before it starts would choose a file that no script sends, or
// press a button that no script heeds.
func Started(css string) chromedp.Action[chromedp.Void] {
	return Shown("html.js " + css)
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
