package httpok

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/golance/golance/plugins/internal/secret"
)

// The environment variables and flags that give a check's credentials
// without putting them on the command line, where ps shows them.
const (
	envUsername = "HTTPOK_USERNAME"
	envPassword = "HTTPOK_PASSWORD"
	envHeader   = "HTTPOK_HEADER"
	flagAuth    = "auth-file"
	flagHeader  = "header-file"
)

// auth is what a check sends to authenticate itself: HTTP basic
// credentials, headers such as "Authorization: Bearer ...", or both (a
// header's Authorization replaces the basic one).
type auth struct {
	basic          bool
	user, password string
	header         http.Header
}

// resolveAuth finds the check's credentials: basic ones from the URL's
// userinfo (superlance's only way, which still works, with one warning
// line), else from HTTPOK_USERNAME and HTTPOK_PASSWORD, else from the
// authFile, holding user:password; headers from HTTPOK_HEADER, else from
// the headerFile, one "Name: value" a line. Errors never show a secret.
func resolveAuth(u *url.URL, authFile, headerFile string, log *slog.Logger) (auth, error) {
	var a auth
	if u.User != nil {
		a.basic, a.user = true, u.User.Username()
		var given bool
		if a.password, given = u.User.Password(); given {
			secret.WarnCommandLine(log, "health-check password", "in the URL "+u.Redacted(),
				"write the URL without user:password@ and set "+envUsername+" and "+envPassword+
					" (environment= in the [eventlistener:x] section), or name a file holding user:password with --"+flagAuth)
		}
	} else {
		user, password, err := secret.UserPassword("health-check credentials", envUsername, envPassword, authFile, log)
		switch {
		case err == nil:
			a.basic, a.user, a.password = true, user, password
		case !errors.Is(err, secret.ErrNotSet):
			return auth{}, err
		}
	}
	s, err := secret.Source{Name: "health-check header", Env: envHeader, File: headerFile, Logger: log}.Resolve()
	switch {
	case errors.Is(err, secret.ErrNotSet):
		return a, nil
	case err != nil:
		return auth{}, err
	}
	where := "environment variable " + envHeader
	if s.Origin() != where {
		where = "health-check header file " + headerFile
	}
	if a.header, err = parseHeader(s.Reveal(), where); err != nil {
		return auth{}, err
	}
	return a, nil
}

// parseHeader reads header lines, "Name: value" each, blank lines
// skipped. Its errors name the line, never its value.
func parseHeader(text, where string) (http.Header, error) {
	h := http.Header{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) }) {
			return nil, fmt.Errorf("%s, line %d, is not a header: write Name: value, e.g. Authorization: Bearer TOKEN", where, n)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(value))
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("%s holds no header: write Name: value, e.g. Authorization: Bearer TOKEN", where)
	}
	return h, nil
}

// apply sets the credentials on a check's request.
func (a auth) apply(req *http.Request) {
	if a.basic {
		req.SetBasicAuth(a.user, a.password)
	}
	for name, values := range a.header {
		if name == "Host" {
			req.Host = values[0]
			continue
		}
		req.Header[name] = values
	}
}
