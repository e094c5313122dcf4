package io.brguard.cli;

import io.brguard.cli.check.CheckCommand;
import io.brguard.cli.serve.CertsCommand;
import io.brguard.cli.serve.ControllerCommand;
import io.brguard.cli.serve.WebhookCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one {@code brguard} executable: check, webhook, controller and certs as subcommands. */
@Command(name = "brguard", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Safe TiDB Backup CRs on Azure Blob Storage from Git: offline checks, admission webhook, "
                + "slim controller and webhook certificates.",
        subcommands = {CheckCommand.class, WebhookCommand.class, ControllerCommand.class, CertsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; no stack trace reaches the user. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line (tests set their own out/err writers on it). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("brguard " + cmd.getCommandName() + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            return 2;
        });
        return cli;
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"brguard " + (v == null ? "(development build)" : v)};
        }
    }
}
