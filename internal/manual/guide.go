package manual

import "github.com/spf13/cobra"

// guideAnnotation keys the guide recorded on a root command.
const guideAnnotation = "golance/guide"

// Guide records that the guide to cmd's binary is docs/<page>.md rather
// than docs/<binary>.md (golance's is docs/doctor.md).
func Guide(cmd *cobra.Command, page string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[guideAnnotation] = page
}

// GuideOf returns the page, under docs/ and without .md, of the guide to
// cmd's binary: the one Guide recorded on its root, else the binary's name.
func GuideOf(cmd *cobra.Command) string {
	if g := cmd.Root().Annotations[guideAnnotation]; g != "" {
		return g
	}
	return cmd.Root().Name()
}
