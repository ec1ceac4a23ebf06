package secret

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUserPassword(t *testing.T) {
	// Not parallel: it sets environment variables.
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	if err := os.WriteFile(good, []byte("ops:s3:cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const u, p = "GOLANCE_TEST_USER", "GOLANCE_TEST_PASSWORD"
	t.Setenv(u, "")
	t.Setenv(p, "")
	if _, _, err := UserPassword("credentials", u, p, "", nil); !errors.Is(err, ErrNotSet) {
		t.Errorf("nothing given: %v, want ErrNotSet", err)
	}
	if user, pw, err := UserPassword("credentials", u, p, good, nil); err != nil || user != "ops" || pw != "s3:cret" {
		t.Errorf("file: %q %q %v", user, pw, err)
	}
	if _, _, err := UserPassword("credentials", u, p, bad, nil); err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "holds no ':'") {
		t.Errorf("a file without ':': %v", err)
	}
	t.Setenv(u, "env")
	t.Setenv(p, "pw")
	if user, pw, err := UserPassword("credentials", u, p, bad, nil); err != nil || user != "env" || pw != "pw" {
		t.Errorf("the environment comes first: %q %q %v", user, pw, err)
	}
}
