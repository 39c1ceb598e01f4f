package io.proddatareset.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A server that accepts the connection and never answers (a dead ssh tunnel or kubectl
 * port-forward) fails after the connect timeout with one line, instead of hanging: real sockets on
 * loopback that stop at each step of the start-up, through the real CLI.
 */
@Tag("single-version")
class ConnectTimeoutTest {
  private static final String PASSWORD = "Qj9Xw4Zk7v";
  // the CLI without the fix hangs for ever; the test must fail instead
  private static final Duration WATCHDOG = Duration.ofSeconds(90);
  // a 1 s timeout on a loaded machine: generous, but far from for ever
  private static final Duration BOUND = Duration.ofSeconds(15);

  /** Where a fake server stops answering. */
  enum Silence {
    /** accepts and never reads or writes */
    AT_ONCE,
    /** answers the TLS request with 'S', then never sends the TLS handshake */
    AFTER_AGREEING_TO_TLS,
    /** completes the login (no TLS), then never answers a query: a pooler without a server */
    AFTER_LOGIN
  }

  /** A loopback server that stops answering at one step of the start-up. */
  static final class SilentServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    // the type bytes of the messages a client sent after the login: 'Q' or 'P' for a query
    private final List<Character> afterLogin = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SilentServer(Silence silence) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Socket s = server.accept();
                    accepted.add(s);
                    if (silence != Silence.AT_ONCE) {
                      Thread t = new Thread(() -> answer(s, silence), "silent-server-conn");
                      t.setDaemon(true);
                      t.start();
                    }
                  }
                } catch (IOException closed) {
                  // closed by the test
                }
              },
              "silent-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void answer(Socket s, Silence silence) {
      try {
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        while (true) {
          int length = in.readInt();
          byte[] body = new byte[length - 4];
          in.readFully(body);
          int code = ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16) | ((body[2] & 0xff) << 8);
          code |= body[3] & 0xff;
          if (length == 8 && (code == 80877103 || code == 80877104)) {
            // SSLRequest or GSSENCRequest
            if (silence == Silence.AFTER_AGREEING_TO_TLS && code == 80877103) {
              out.writeByte('S');
              out.flush();
              break;
            }
            out.writeByte('N');
            out.flush();
            continue;
          }
          if (silence == Silence.AFTER_LOGIN) {
            login(out);
            // read what comes (a first query) and never answer
            while (true) {
              afterLogin.add((char) in.readUnsignedByte());
              in.readFully(new byte[in.readInt() - 4]);
            }
          }
          break;
        }
        in.transferTo(OutputStreamNowhere.INSTANCE);
      } catch (IOException e) {
        // the client gave up: that is the point
      }
    }

    private static void login(DataOutputStream out) throws IOException {
      out.writeByte('R');
      out.writeInt(8);
      out.writeInt(0); // AuthenticationOk
      for (String[] p :
          new String[][] {
            {"server_version", "16.4"},
            {"server_encoding", "UTF8"},
            {"client_encoding", "UTF8"},
            {"DateStyle", "ISO, MDY"},
            {"integer_datetimes", "on"},
            {"standard_conforming_strings", "on"},
            {"TimeZone", "UTC"},
            {"in_hot_standby", "off"}
          }) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(p[0].getBytes(StandardCharsets.UTF_8));
        b.write(0);
        b.write(p[1].getBytes(StandardCharsets.UTF_8));
        b.write(0);
        out.writeByte('S');
        out.writeInt(4 + b.size());
        b.writeTo(out);
      }
      out.writeByte('K');
      out.writeInt(12);
      out.writeInt(4242);
      out.writeInt(17);
      out.writeByte('Z');
      out.writeInt(5);
      out.writeByte('I');
      out.flush();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  /** Discards what it is given. */
  private static final class OutputStreamNowhere extends java.io.OutputStream {
    static final OutputStreamNowhere INSTANCE = new OutputStreamNowhere();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }

  /** How the 1-second timeout is given; each runs the CLI's plan. */
  record Way(String name, Map<String, String> env, String urlSuffix, List<String> options) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Way> ways() {
    return List.of(
        new Way("--connect-timeout 1s", Map.of(), "", List.of("--connect-timeout", "1s")),
        new Way("?connect_timeout=1", Map.of(), "&connect_timeout=1", List.of()),
        new Way("PGCONNECT_TIMEOUT=1", Map.of("PGCONNECT_TIMEOUT", "1"), "", List.of()),
        new Way(
            "--connect-timeout over the URL and PGCONNECT_TIMEOUT",
            Map.of("PGCONNECT_TIMEOUT", "300"),
            "&connect_timeout=300",
            List.of("--connect-timeout", "1s")),
        new Way(
            "the URL over PGCONNECT_TIMEOUT",
            Map.of("PGCONNECT_TIMEOUT", "300"),
            "&connect_timeout=1",
            List.of()),
        new Way(
            "connect_timeout=0 counts as not set",
            Map.of("PGCONNECT_TIMEOUT", "1"),
            "&connect_timeout=0",
            List.of()));
  }

  static Stream<Arguments> silentServers() {
    // every way of giving the timeout against the plainest dead end (loopback's default TLS
    // mode), and every dead end with the option
    Stream<Arguments> byWay =
        ways().stream().map(way -> Arguments.of(Silence.AT_ONCE, "prefer", way));
    Way option = ways().get(0);
    Stream<Arguments> bySilence =
        Stream.of(
            Arguments.of(Silence.AT_ONCE, "disable", option),
            Arguments.of(Silence.AT_ONCE, "require", option),
            Arguments.of(Silence.AFTER_AGREEING_TO_TLS, "require", option),
            Arguments.of(Silence.AFTER_AGREEING_TO_TLS, "prefer", option),
            Arguments.of(Silence.AFTER_LOGIN, "disable", option),
            Arguments.of(Silence.AFTER_LOGIN, "prefer", option));
    return Stream.concat(byWay, bySilence);
  }

  @ParameterizedTest(name = "{0}, sslmode={1}, {2}")
  @MethodSource("silentServers")
  void aServerThatNeverAnswersFailsAfterTheTimeoutWithOneLine(
      Silence silence, String sslMode, Way way) throws Exception {
    try (SilentServer server = new SilentServer(silence)) {
      String url =
          "postgres://alice:"
              + PASSWORD
              + "@127.0.0.1:"
              + server.port()
              + "/app?sslmode="
              + sslMode
              + way.urlSuffix();
      Cli cli = new Cli();
      way.env().forEach(cli::env);
      List<String> args = new java.util.ArrayList<>(List.of("plan", "--url", url));
      args.addAll(way.options());
      long start = System.nanoTime();
      Cli.Result r =
          assertTimeoutPreemptively(WATCHDOG, () -> cli.run(args.toArray(new String[0])));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(took).as(r.toString()).isLessThan(BOUND).isGreaterThan(Duration.ofMillis(900));
      assertThat(r.out()).isEmpty();
      assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
      assertThat(r.err())
          .startsWith(
              "error: No answer from postgresql://alice@127.0.0.1:"
                  + server.port()
                  + "/app within 1s: ")
          .contains("ssh tunnel or kubectl port-forward")
          .contains("--connect-timeout");
      TargetSecretsTest.assertNoPiece(r.out() + r.err(), PASSWORD);
      if (silence == Silence.AFTER_LOGIN) {
        // the login went through: it was the first query that got no answer
        assertThat(server.afterLogin).containsAnyOf('Q', 'P');
      }
    }
  }

  @Test
  void aKeyValueStringsConnectTimeoutAndAFractionOfASecondAreTakenToo() throws Exception {
    try (SilentServer server = new SilentServer(Silence.AT_ONCE)) {
      String kv =
          "host=127.0.0.1 port="
              + server.port()
              + " dbname=app user=alice password='"
              + PASSWORD
              + "' connect_timeout=1";
      Cli.Result r = assertTimeoutPreemptively(WATCHDOG, () -> new Cli().run("plan", kv));
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains(" within 1s: ");

      String url = "postgres://alice@127.0.0.1:" + server.port() + "/app";
      long start = System.nanoTime();
      r =
          assertTimeoutPreemptively(
              WATCHDOG, () -> new Cli().run("schema", "--url", url, "--connect-timeout", "500ms"));
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains(" within 500ms: ");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
    }
  }

  @Test
  void withoutAnyTimeoutGivenTheDefaultOfTenSecondsHolds() throws Exception {
    try (SilentServer server = new SilentServer(Silence.AT_ONCE)) {
      String url = "postgres://alice@127.0.0.1:" + server.port() + "/app";
      long start = System.nanoTime();
      Cli.Result r = assertTimeoutPreemptively(WATCHDOG, () -> new Cli().run("plan", url));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).as(r.toString()).contains(" within 10s: ");
      assertThat(took).isGreaterThan(Duration.ofMillis(9500)).isLessThan(Duration.ofSeconds(40));
    }
  }

  @Test
  void aPortWhereNothingListensFailsAtOnceWithOneLine() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String url = "postgres://alice:" + PASSWORD + "@127.0.0.1:" + closedPort + "/app";
    long start = System.nanoTime();
    Cli.Result r = assertTimeoutPreemptively(WATCHDOG, () -> new Cli().run("plan", url));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
    assertThat(r.err())
        .startsWith("error: Connection refused by 127.0.0.1:" + closedPort + ": ")
        .contains("is the server running");
    TargetSecretsTest.assertNoPiece(r.err(), PASSWORD);
  }

  @Test
  void aMalformedTimeoutIsBadInput() {
    String url = "postgres://alice@127.0.0.1:1/app";
    for (Cli.Result r :
        List.of(
            new Cli().run("plan", url, "--connect-timeout", "0"),
            new Cli().run("plan", url, "--connect-timeout", "soon"),
            new Cli().run("plan", url + "?connect_timeout=1.5"),
            new Cli().run("plan", "host=127.0.0.1 port=1 connect_timeout=ten"),
            new Cli().env("PGCONNECT_TIMEOUT", "10s").run("plan", url))) {
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
      assertThat(r.err())
          .containsAnyOf("--connect-timeout", "connect_timeout", "PGCONNECT_TIMEOUT");
    }
  }

  @Test
  void afterTheLoginAQueryMayTakeLongerThanTheTimeout() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase();
    ConnectionTarget target =
        PasswordSource.complete(TargetParser.parse(db.url()), Map.of())
            .withConnectTimeout(Duration.ofSeconds(1));
    try (Connection c = new Connector(target).open();
        ResultSet rs = c.createStatement().executeQuery("SELECT pg_sleep(2.5), 42")) {
      rs.next();
      assertThat(rs.getInt(2)).isEqualTo(42);
      assertThat(c.getNetworkTimeout()).isZero();
    }
  }
}
