package io.proddatareset.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PgBouncer (the Debian package {@code pgbouncer}) in front of the embedded test server, in
 * transaction or session pool mode, on a free port of 127.0.0.1, with a generated ini and auth file
 * in a temporary directory; {@link #close} stops it and removes the directory. Every database of
 * the server is reachable through it under its own name.
 *
 * <p>PgBouncer refuses to run as root: when the tests run as root it is started as {@code nobody}
 * (through {@code setpriv}), and its files are made readable for that user. Tests that need it
 * first check {@link #available()} with {@code Assumptions.assumeTrue}.
 *
 * <p>The configuration is the usual one for PgJDBC clients: {@code ignore_startup_parameters =
 * extra_float_digits} (PgJDBC sends it at start-up and PgBouncer refuses unknown parameters), the
 * defaults otherwise (in transaction mode {@code server_reset_query} is not run between clients, as
 * with hosted poolers).
 */
public final class PgBouncer implements AutoCloseable {
  /** PgBouncer's {@code pool_mode}. */
  public enum Mode {
    TRANSACTION,
    SESSION;

    String ini() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Path BINARY = Path.of("/usr/sbin/pgbouncer");
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  private final Mode mode;
  private final int port;
  private final Path dir;
  private final Process process;

  private PgBouncer(Mode mode, int port, Path dir, Process process) {
    this.mode = mode;
    this.port = port;
    this.dir = dir;
    this.process = process;
  }

  /**
   * Whether PgBouncer can be started here: the binary is installed and, when running as root, the
   * user can be changed to an unprivileged one.
   */
  public static boolean available() {
    return Files.isExecutable(BINARY) && (!runningAsRoot() || Files.isExecutable(SETPRIV));
  }

  /** Why {@link #available()} is false, for the assumption's message. */
  public static String unavailableReason() {
    if (!Files.isExecutable(BINARY)) {
      return "pgbouncer not installed (" + BINARY + "; apt-get install pgbouncer)";
    }
    return "pgbouncer refuses to run as root and " + SETPRIV + " is missing";
  }

  /** Starts PgBouncer in {@code mode} in front of {@link TestPostgres#server()}. */
  public static PgBouncer start(Mode mode) {
    return start(mode, 20);
  }

  /**
   * Starts PgBouncer in {@code mode} with at most {@code poolSize} server connections per database
   * and user.
   */
  public static PgBouncer start(Mode mode, int poolSize) {
    int serverPort = TestPostgres.port();
    IOException last = null;
    // a free port may be taken between the look and PgBouncer's bind: try a few
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        PgBouncer b = tryStart(mode, poolSize, serverPort, freePort());
        if (b != null) {
          return b;
        }
      } catch (IOException e) {
        last = e;
      }
    }
    throw new IllegalStateException("pgbouncer did not start", last);
  }

  private static PgBouncer tryStart(Mode mode, int poolSize, int serverPort, int port)
      throws IOException {
    Path base = Path.of("/tmp");
    Path dir =
        Files.isDirectory(base)
            ? Files.createTempDirectory(base, "pdr-pgbouncer-")
            : Files.createTempDirectory("pdr-pgbouncer-");
    // readable by the unprivileged user PgBouncer runs as
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path auth = dir.resolve("userlist.txt");
    Files.writeString(
        auth,
        "\"postgres\" \"\"\n"
            + "\""
            + TestPostgres.PASSWORD_ROLE
            + "\" \""
            + TestPostgres.PASSWORD.replace("\"", "\"\"")
            + "\"\n",
        StandardCharsets.UTF_8);
    Path ini = dir.resolve("pgbouncer.ini");
    Files.writeString(
        ini,
        String.join(
            "\n",
            "[databases]",
            "* = host=127.0.0.1 port=" + serverPort,
            "",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            "listen_port = " + port,
            "unix_socket_dir =",
            "auth_type = trust",
            "auth_file = " + auth,
            "pool_mode = " + mode.ini(),
            "default_pool_size = " + poolSize,
            "max_client_conn = 500",
            "ignore_startup_parameters = extra_float_digits",
            "server_lifetime = 3600",
            // hand each transaction the server connection idle the longest (FIFO), as a busy pool
            // does: state left on a server connection is not seen by the client's next one
            "server_round_robin = 1",
            "log_connections = 0",
            "log_disconnections = 0",
            ""),
        StandardCharsets.UTF_8);
    for (Path f : List.of(auth, ini)) {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    }
    List<String> command = new ArrayList<>();
    if (runningAsRoot()) {
      command.addAll(
          List.of(SETPRIV.toString(), "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
    }
    command.add(BINARY.toString());
    command.add(ini.toString());
    Path log = dir.resolve("pgbouncer.log");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        String text = Files.readString(log);
        deleteTree(dir);
        if (text.contains("Address already in use")) {
          return null;
        }
        throw new IOException("pgbouncer exited with " + p.exitValue() + ":\n" + text);
      }
      if (listening(port)) {
        PgBouncer b = new PgBouncer(mode, port, dir, p);
        Runtime.getRuntime().addShutdownHook(new Thread(b::close));
        return b;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    p.destroyForcibly();
    String text = Files.readString(log);
    deleteTree(dir);
    throw new IOException("pgbouncer did not listen on port " + port + " within 10s:\n" + text);
  }

  public Mode mode() {
    return mode;
  }

  public int port() {
    return port;
  }

  /** A libpq URI for the superuser to {@code db} through this PgBouncer. */
  public String url(TestDatabase db) {
    return "postgres://postgres@127.0.0.1:" + port + "/" + db.name() + "?sslmode=disable";
  }

  /**
   * Leaves {@code servers} idle server connections in the pool of {@code db} (for the superuser):
   * as many clients hold a transaction each at once, then end. With {@code server_round_robin} the
   * transactions that follow go to these in turn, so a client's consecutive transactions run in
   * different server sessions, as they do in a busy production pool.
   */
  public void warm(TestDatabase db, int servers) {
    List<Connection> held = new ArrayList<>();
    try {
      for (int i = 0; i < servers; i++) {
        Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:"
                    + port
                    + "/"
                    + db.name()
                    + "?user=postgres&sslmode=disable&prepareThreshold=0");
        held.add(c);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          st.execute("SELECT 1");
        }
      }
      for (Connection c : held) {
        c.commit();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not warm the pool: " + e.getMessage(), e);
    } finally {
      for (Connection c : held) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // the pool keeps the server connection
        }
      }
    }
  }

  /** PgBouncer's own log so far (its stderr), for failure messages. */
  public String log() {
    try {
      return Files.readString(dir.resolve("pgbouncer.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops PgBouncer (SIGTERM: immediate shutdown) and removes its directory. Idempotent. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      deleteTree(dir);
    } catch (IOException ignored) {
      // a temporary directory; the next boot clears it
    }
  }

  private static boolean runningAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
