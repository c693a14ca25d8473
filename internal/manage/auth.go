package manage

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/store"
)

// call is a signed-in request: who makes it and in which mode they look.
type call struct {
	user    store.User
	session store.Session
	live    bool
}

// csrfOK checks the form's token against the session's in constant time.
func (c *call) csrfOK(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.session.CSRFToken)) == 1
}

func (c *call) admin() bool { return c != nil && c.user.Role == store.RoleAdmin }

// authenticate finds the request's session and user and checks the role.
// When it returns false it has answered the request: a sign-in redirect,
// or 403 for a role the user lacks.
func (m *Manage) authenticate(w http.ResponseWriter, r *http.Request, role string) (*call, bool) {
	c, err := m.session(r)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			m.fail(w, r, nil, err)
			return nil, false
		}
		next := ""
		if r.Method == http.MethodGet {
			next = "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, "/manage/signin"+next, http.StatusSeeOther)
		return nil, false
	}
	if role == admin && !c.admin() {
		m.errorPage(w, r, c, http.StatusForbidden, "Administrators only",
			"This page is for your account's administrators. Ask one of them if you need something here.")
		return nil, false
	}
	return c, true
}

// session reads the session cookie; store.ErrNotFound when there is no
// valid session.
func (m *Manage) session(r *http.Request) (*call, error) {
	ck, err := r.Cookie(m.cookie)
	if err != nil || ck.Value == "" {
		return nil, store.ErrNotFound
	}
	s, u, err := m.accounts.Session(r.Context(), ck.Value)
	if err != nil {
		return nil, err
	}
	return &call{user: u, session: s, live: mode(r)}, nil
}

// modeCookie remembers whether the operator looks at live or test data.
const modeCookie = "submit_mode"

// mode is live unless the query (?mode=test) or the mode cookie says test.
func mode(r *http.Request) bool {
	if v := r.URL.Query().Get("mode"); v != "" {
		return v != "test"
	}
	ck, err := r.Cookie(modeCookie)
	return err != nil || ck.Value != "test"
}

func (m *Manage) setMode(w http.ResponseWriter, r *http.Request, c *call) error {
	v := "live"
	if r.PostFormValue("mode") == "test" {
		v = "test"
	}
	http.SetCookie(w, &http.Cookie{Name: modeCookie, Value: v, Path: "/manage/", Secure: m.secure,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	back := localPath(r.PostFormValue("back"), "/manage/")
	if i := strings.IndexByte(back, '?'); i >= 0 {
		back = back[:i] // a ?mode= in the old address would override the switch
	}
	return redirect(w, r, back)
}

// signinCookie holds the sign-in form's token before there is a session,
// so that another site cannot sign a browser into an account of its own.
const signinCookie = "submit_signin"

func (m *Manage) signinPage(w http.ResponseWriter, r *http.Request, _ *call) error {
	if c, err := m.session(r); err == nil && c != nil {
		return redirect(w, r, localPath(r.URL.Query().Get("next"), "/manage/"))
	}
	return m.renderSignin(w, r, http.StatusOK, "", r.URL.Query().Get("next"), "")
}

func (m *Manage) renderSignin(w http.ResponseWriter, r *http.Request, status int, email, next, problem string) error {
	tok := id.Token(24)
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: tok, Path: "/manage/signin", Secure: m.secure,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	return m.render(w, r, nil, status, "signin", map[string]any{
		"Title": "Sign in", "Email": email, "Next": localPath(next, ""), "Problem": problem, "Token": tok,
	})
}

func (m *Manage) signin(w http.ResponseWriter, r *http.Request, _ *call) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := r.PostFormValue("next")
	ck, err := r.Cookie(signinCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		return m.renderSignin(w, r, http.StatusForbidden, email, next,
			"The sign-in form expired. Please try again.")
	}
	now := m.d.Now()
	emailKey, ipKey := throttleKey("email", strings.ToLower(email)), throttleKey("ip", clientIP(r))
	try, wait, err := m.throttle.begin(r.Context(), now, limitOf{emailKey, throttleEmailMax}, limitOf{ipKey, throttleIPMax})
	if err != nil {
		return err
	}
	if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return m.renderSignin(w, r, http.StatusTooManyRequests, email, next, fmt.Sprintf(
			"Too many failed sign-ins. For your account's safety, wait %s before trying again.", roundWait(wait)))
	}
	u, err := m.accounts.Authenticate(r.Context(), email, r.PostFormValue("password"))
	if errors.Is(err, operator.ErrCredentials) {
		// The try stays recorded: it is a failure of both the email and
		// the address.
		return m.renderSignin(w, r, http.StatusUnauthorized, email, next,
			"The email or the password is not right.")
	}
	// Any other outcome is no failure: whoever tried knew the password,
	// or Submit could not check it.
	m.throttle.forget(r.Context(), try)
	if errors.Is(err, operator.ErrDisabled) {
		// Said only to whoever knows the password, so that it tells an
		// outsider nothing about which emails have accounts.
		m.throttle.reset(r.Context(), emailKey)
		return m.renderSignin(w, r, http.StatusForbidden, email, next,
			"This account is disabled. Ask an administrator of your account to enable it again.")
	}
	if err != nil {
		return err
	}
	m.throttle.reset(r.Context(), emailKey)
	if err := m.startSession(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, localPath(next, "/manage/"))
}

// startSession makes a session for u and sets its cookie.
func (m *Manage) startSession(w http.ResponseWriter, r *http.Request, u store.User) error {
	tok, _, err := m.accounts.StartSession(r.Context(), u, m.d.SessionLifetime)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: m.cookie, Value: tok, Path: "/", Secure: m.secure, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(m.d.SessionLifetime.Seconds())})
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Path: "/manage/signin", MaxAge: -1, Secure: m.secure, HttpOnly: true})
	return nil
}

func (m *Manage) signout(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := m.accounts.EndSession(r.Context(), c.session); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: m.cookie, Path: "/", MaxAge: -1, Secure: m.secure, HttpOnly: true,
		SameSite: http.SameSiteLaxMode})
	return redirect(w, r, "/manage/signin")
}

// clientIP is the connection's address. Behind a reverse proxy every
// client shares the proxy's: the per-address limit is then shared, which is
// why it is set well above the per-email one.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func roundWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(math.Ceil(d.Seconds())))
	}
	n := int(math.Ceil(d.Minutes()))
	if n == 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

// maxSubject is the longest value the sign-in throttle stores as it is:
// longer than any email address (254 characters).
const maxSubject = 254

// throttleKey is the subject the throttle counts a value under. A longer
// value than any real one (a form posted with megabytes in its email
// field) is counted under its hash, so that each try costs a row of the
// usual size.
func throttleKey(kind, v string) string {
	if len(v) > maxSubject {
		sum := sha256.Sum256([]byte(v))
		v = "sha256:" + hex.EncodeToString(sum[:])
	}
	return kind + ":" + v
}
