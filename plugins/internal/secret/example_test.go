package secret_test

import (
	"fmt"
	"os"

	"github.com/golance/golance/plugins/internal/secret"
)

func ExampleSource_Resolve() {
	// Typically: Value from -p/--password, File from --password-file.
	password, err := secret.Source{
		Name: "SMTP password",
		Env:  "GOLANCE_SMTP_PASSWORD",
		File: "/etc/golance/smtp-password",
	}.Resolve()
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // one line naming the file and the fix
		os.Exit(2)
	}
	fmt.Printf("using the password from %s: %v\n", password.Origin(), password) // prints [redacted]
	_ = password.Reveal()                                                       // the value itself
}
