package mailserver_test

import (
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/golance/golance/internal/testkit/mailserver"
)

// dialEnv, when set, makes the test binary act as a TLS client of the
// address it holds, trusting only the system roots, and exit: the stand-in
// for a plugin binary in TestCAFileAsSSLCertFile.
const dialEnv = "MAILTEST_DIAL_WITH_SYSTEM_ROOTS"

func TestMain(m *testing.M) {
	if addr := os.Getenv(dialEnv); addr != "" {
		conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "localhost"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		conn.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestCAFileAsSSLCertFile(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithImplicitTLS())
	run := func(extraEnv ...string) error {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), append([]string{dialEnv + "=" + srv.Addr()}, extraEnv...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w: %s", err, out)
		}
		return nil
	}
	if err := run("SSL_CERT_FILE=" + srv.CAFile()); err != nil {
		t.Errorf("a subprocess with SSL_CERT_FILE=CAFile does not trust the server: %v", err)
	}
	if err := run("SSL_CERT_FILE=/dev/null", "SSL_CERT_DIR=/nonexistent"); err == nil {
		t.Error("a subprocess trusts the server without its CA")
	}
}
