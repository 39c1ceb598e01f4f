package io.proddatareset.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Maven repository on a real loopback socket, holding one file at one repository path (e.g. the
 * PostgreSQL binaries jar), so the demo's download runs over HTTP without the internet. Other paths
 * get 404.
 */
public final class MavenRepositoryServer implements AutoCloseable {
  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();

  private MavenRepositoryServer(HttpServer server) {
    this.server = server;
  }

  /** Serves {@code body} at {@code /maven2/} + {@code repositoryPath}. */
  public static MavenRepositoryServer serving(String repositoryPath, byte[] body)
      throws IOException {
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    MavenRepositoryServer repo = new MavenRepositoryServer(http);
    http.createContext(
        "/",
        exchange -> {
          repo.requests.incrementAndGet();
          boolean found = exchange.getRequestURI().getPath().equals("/maven2/" + repositoryPath);
          exchange.sendResponseHeaders(found ? 200 : 404, found ? body.length : -1);
          try (OutputStream out = exchange.getResponseBody()) {
            if (found) {
              out.write(body);
            }
          }
        });
    http.start();
    return repo;
  }

  /** Serves the file {@code file} at {@code /maven2/} + {@code repositoryPath}. */
  public static MavenRepositoryServer serving(String repositoryPath, Path file) throws IOException {
    return serving(repositoryPath, Files.readAllBytes(file));
  }

  /** The repository's base URL, for PDR_MAVEN_REPOSITORY. */
  public String url() {
    return "http://"
        + server.getAddress().getAddress().getHostAddress()
        + ":"
        + server.getAddress().getPort()
        + "/maven2";
  }

  /** How many requests the server has had. */
  public int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
