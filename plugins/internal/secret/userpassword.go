package secret

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// UserPassword finds HTTP basic credentials (name says whose, for
// messages: "Alertmanager credentials"): from the environment variables
// userEnv and passEnv, either of them set; else from file, holding
// user:password on one line. It returns an error wrapping ErrNotSet when
// none is given, and one naming the file, never its content, when the
// file holds no ':'.
func UserPassword(name, userEnv, passEnv, file string, logger *slog.Logger) (user, password string, err error) {
	if user, password = os.Getenv(userEnv), os.Getenv(passEnv); user != "" || password != "" {
		return user, password, nil
	}
	if file == "" {
		return "", "", fmt.Errorf("no %s given: set environment variables %s and %s, or name a file holding user:password: %w", name, userEnv, passEnv, ErrNotSet)
	}
	s, err := Source{Name: name, File: file, Logger: logger}.Resolve()
	if err != nil {
		return "", "", err
	}
	user, password, ok := strings.Cut(s.Reveal(), ":")
	if !ok {
		return "", "", fmt.Errorf("%s file %s holds no ':': write user:password in it, on one line", name, file)
	}
	return user, password, nil
}
