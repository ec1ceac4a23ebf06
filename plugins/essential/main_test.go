package essential

import (
	"testing"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"essential": Main})
}

func TestScripts(t *testing.T) {
	rig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}
