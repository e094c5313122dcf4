package io.brguard.cli;

import io.brguard.cli.check.CheckCommand;
import io.brguard.cli.check.TestCommand;
import io.brguard.cli.serve.CertsCommand;
import io.brguard.cli.serve.ControllerCommand;
import io.brguard.cli.serve.WebhookCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one {@code brguard} executable: check, webhook, controller, certs and vap as subcommands. */
@Command(name = "brguard", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Safe TiDB Backup CRs on Azure Blob Storage from Git: offline checks and policy tests, admission webhook, "
                + "slim controller and webhook certificates.",
        subcommands = {CheckCommand.class, TestCommand.class, WebhookCommand.class, ControllerCommand.class, CertsCommand.class,
                VapCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) {
        tuneRuntime(System.getProperties());
        System.exit(run(args));
    }

    /** Runtime settings brguard needs whatever the JVM flags; each is set only if the operator did not set it. */
    static void tuneRuntime(java.util.Properties props) {
        /*
         * With one or two CPUs (a pod with a CPU limit of 2 or less) the common pool has a parallelism of 0 or 1,
         * and CompletableFuture then starts a new thread for every async step: the Azure SDK's HTTP client made
         * 2,000 threads for 1,000 Backups. Set before anything touches ForkJoinPool; an explicit -D wins.
         */
        props.putIfAbsent(COMMON_POOL_PARALLELISM, "2");
        io.brguard.certs.TlsSuites.preferForClients(props);
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
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"brguard " + (v == null ? "(development build)" : v)};
        }
    }
}
