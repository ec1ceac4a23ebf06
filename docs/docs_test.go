// Package docs holds golance's documentation. Its tests keep the docs
// honest: generated references and embedded examples must match the code.
package docs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/golance/golance/internal/docgen"
)

// TestGeneratedDocsAreCurrent fails when a flag reference, man page or
// embedded example in the repository differs from what the code produces.
func TestGeneratedDocsAreCurrent(t *testing.T) {
	files, err := docgen.Files("..")
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join("..", rel))
		if err != nil {
			t.Errorf("%s is missing: run `make docs`", rel)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `make docs` and commit the result", rel)
		}
	}
}
