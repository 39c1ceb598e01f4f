package io.proddatareset.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real TCP proxy in front of the test server that can stall one statement: the first time a
 * client sends bytes containing {@code text} (after clients sent the {@code after} texts, in that
 * order), it stops passing that connection's bytes to the server, as a network that stalls at that
 * moment would, until {@link #release} (they go through) or {@link #cut} (the connection is
 * dropped). The client, waiting for its answer, is then deterministically in the step that sent the
 * statement.
 *
 * <p>While a connection is held, what its client sends is kept, and its client closing the socket
 * closes the server side too, so that the server rolls back. Other connections, such as a cancel
 * request, pass freely.
 */
public final class HoldingProxy implements AutoCloseable {
  private final int serverPort;
  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final CountDownLatch held = new CountDownLatch(1);
  private final Object lock = new Object();
  private String text;
  private List<String> after = List.of();
  private int afterSeen;
  private Pipe holding;
  private boolean triggered;

  public HoldingProxy(int serverPort) throws IOException {
    this.serverPort = serverPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "holding-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Holds the first statement containing {@code text} once the {@code after} texts were sent. */
  public HoldingProxy holdWhen(String text, String... after) {
    synchronized (lock) {
      this.text = text;
      this.after = List.of(after);
      this.afterSeen = 0;
    }
    return this;
  }

  /** Waits until a statement is held. */
  public boolean awaitHeld(long seconds) throws InterruptedException {
    return held.await(seconds, TimeUnit.SECONDS);
  }

  /** Lets the held statement, and everything after it, through. */
  public void release() throws IOException {
    Pipe p;
    synchronized (lock) {
      p = holding;
      holding = null;
    }
    if (p != null) {
      p.release();
    }
  }

  /** Drops the held connection, both sides: the statement never reaches the server. */
  public void cut() {
    Pipe p;
    synchronized (lock) {
      p = holding;
      holding = null;
    }
    if (p != null) {
      p.closeBoth();
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
        sockets.add(client);
        sockets.add(server);
        Pipe up = new Pipe(client, server);
        start(up::pumpUp, "holding-proxy-up");
        start(() -> pumpDown(server, client), "holding-proxy-down");
      } catch (IOException e) {
        // closed
      }
    }
  }

  private static void start(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void pumpDown(Socket from, Socket to) {
    byte[] buf = new byte[65536];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /** Client to server, with the hold. */
  private final class Pipe {
    private final Socket client;
    private final Socket server;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private boolean holdingThis;

    Pipe(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void pumpUp() {
      byte[] buf = new byte[65536];
      try {
        InputStream in = client.getInputStream();
        OutputStream out = server.getOutputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          String chunk = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
          boolean hold = false;
          synchronized (lock) {
            if (!triggered && text != null && afterSeen == after.size() && chunk.contains(text)) {
              triggered = true;
              holding = this;
              hold = true;
            }
            if (afterSeen < after.size() && chunk.contains(after.get(afterSeen))) {
              afterSeen++;
            }
          }
          synchronized (this) {
            if (hold) {
              holdingThis = true;
            }
            if (holdingThis) {
              kept.write(buf, 0, n);
            } else {
              out.write(buf, 0, n);
              out.flush();
            }
          }
          if (hold) {
            held.countDown();
          }
        }
      } catch (IOException e) {
        // one side went away
      } finally {
        closeBoth();
      }
    }

    synchronized void release() throws IOException {
      holdingThis = false;
      OutputStream out = server.getOutputStream();
      out.write(kept.toByteArray());
      out.flush();
      kept.reset();
    }

    void closeBoth() {
      closeQuietly(client);
      closeQuietly(server);
    }
  }
}
