package doctor

import (
	"fmt"
	"io"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/cobra"
)

// NewCommand returns the golance command, with its doctor and snippet
// subcommands, for the given plugins.
func NewCommand(plugins []Plugin) *cobra.Command {
	root := &cobra.Command{
		Use:   "golance COMMAND",
		Short: "Check a supervisord configuration for golance's listeners, and print their sections",
		Long: `golance doctor reads the supervisord.conf supervisord is using (the file of the
running supervisord, found through /proc; -c FILE reads FILE instead) and prints
one line per problem, each with its fix:

  - no [unix_http_server] or [inet_http_server], or no [rpcinterface:supervisor], while a listener calls supervisord back;
  - a server that requires a username and password while a listener that calls back gets no SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD, or others, from its environment= or from the running supervisord's own environment, which its children inherit (/proc/PID/environ: run doctor as root or as supervisord's user to read it);
  - an events= that lacks what the listener's command line needs (crashmail needs PROCESS_STATE_EXITED, crashmailbatch -e TICK_5 needs TICK_5, ...);
  - a buffer_size= smaller than the state changes a restart of every process queues at once, for a listener that hears more than ticks;
  - a listener's stdout logged to a file, which fills with the protocol: a stdout_logfile= or, when there is none, supervisord's default AUTO, a file in childlogdir;
  - each warning of ordered-startup's plan (ordered-startup --plan, against the running supervisord): a program with startinorder=true that nothing starts, a program the chain starts that has autostart=true, ...; and, in a # line, the program without startinorder=true that ends a chain, which the chain starts whatever its keys;
  - a running listener whose command line differs from the file's command=, or whose stdout log differs from its stdout_logfile=: the file was edited and supervisord not told; doctor prints the supervisorctl reread and update that apply it.

The running supervisord is asked through the URL and credentials
supervisorctl would use. Without one, doctor says so and checks the file alone.

golance snippet PLUGIN prints correct [eventlistener:x] sections for a plugin (those of its --help, with stdout_logfile=NONE);
golance snippet --dir DIR writes every plugin's into DIR, one PLUGIN.conf each.`,
		Example: `  golance doctor
  golance doctor -c /etc/supervisor/supervisord.conf
  golance snippet crashmail >> /etc/supervisor/conf.d/crashmail.conf`,
	}
	cli.Setup(root)
	manual.Guide(root, "doctor")
	manual.Environment(root,
		manual.EnvVar{Name: "SUPERVISOR_SERVER_URL", Text: "Where doctor asks the running supervisord, instead of [supervisorctl] serverurl= or the file's server section."},
		manual.EnvVar{Name: "SUPERVISOR_USERNAME", Text: "The user name doctor sends to supervisord, instead of [supervisorctl]'s or the server section's."},
		manual.EnvVar{Name: "SUPERVISOR_PASSWORD", Text: "The password that goes with SUPERVISOR_USERNAME."})
	manual.SetExitStatuses(root,
		manual.Status{Code: manual.ExitOK, Text: "doctor found no problem; snippet printed what was asked; or --help or --version was given."},
		manual.Status{Code: manual.ExitError, Text: "doctor found a problem (its lines are on standard output, their count on standard error), or could not read the configuration (one line on standard error says why)."},
		manual.Status{Code: manual.ExitUsage, Text: "A mistake on the command line: one line on standard error names it and what to write instead."})
	root.AddCommand(doctorCommand(plugins), snippetCommand(plugins))
	return root
}

// Main runs the golance command and exits.
func Main(plugins []Plugin) { cli.Main(NewCommand(plugins)) }

func doctorCommand(plugins []Plugin) *cobra.Command {
	var path, procRoot string
	cmd := &cobra.Command{
		Use:   "doctor [-c FILE]",
		Short: "Check the supervisord configuration in use, one line per problem with its fix",
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			found, how, err := supervisorconf.Locator{ProcRoot: procRoot, AnyProcess: true}.Find(path)
			if err != nil {
				return err
			}
			cfg, err := supervisorconf.Load(found)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "# %s (%s)\n", found, how)
			findings, notes, err := Check(cfg, plugins, ReadInherited(cmd.Context(), cfg, procRoot))
			if err != nil {
				return err
			}
			chain, chainNotes, err := checkOrderedStartup(cmd.Context(), cfg, found, plugins)
			if err != nil {
				chainNotes = append(chainNotes, fmt.Sprintf("ordered-startup's plan not checked: %v", err))
			}
			for _, n := range append(notes, chainNotes...) {
				fmt.Fprintf(out, "# %s\n", n)
			}
			findings = append(findings, chain...)
			running, err := CompareRunning(cmd.Context(), cfg, procRoot)
			if err != nil {
				fmt.Fprintf(out, "# running listeners not compared with the file: %v\n", err)
			}
			findings = append(findings, running...)
			return report(out, findings, found)
		},
	}
	cmd.Flags().StringVarP(&path, "configuration", "c", "", "supervisord's configuration `file` (default: the file of the running supervisord, else supervisord's search paths)")
	cmd.Flags().StringVar(&procRoot, "proc", "/proc", "where the proc filesystem is mounted")
	return cmd
}

func report(out io.Writer, findings []Finding, path string) error {
	for _, f := range findings {
		fmt.Fprintln(out, f)
	}
	switch len(findings) {
	case 0:
		fmt.Fprintln(out, "no problems found")
		return nil
	case 1:
		return fmt.Errorf("1 problem found in %s", path)
	}
	return fmt.Errorf("%d problems found in %s", len(findings), path)
}

func snippetCommand(plugins []Plugin) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "snippet PLUGIN | --dir DIR",
		Short: "Print a plugin's [eventlistener:x] sections, or write every plugin's into a directory",
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir != "" {
				if len(args) > 0 {
					return cli.Usagef("--dir writes every plugin's sections: give no plugin with it")
				}
				return WriteSnippets(dir, plugins)
			}
			if len(args) != 1 {
				return cli.Usagef("give one plugin: %s", names(plugins))
			}
			p, ok := pluginNamed(plugins, args[0])
			if !ok {
				return cli.Usagef("no plugin named %q: give one of %s", args[0], names(plugins))
			}
			_, err := io.WriteString(cmd.OutOrStdout(), Snippet(p))
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "write every plugin's sections into `directory`, one <plugin>.conf each")
	return cmd
}
