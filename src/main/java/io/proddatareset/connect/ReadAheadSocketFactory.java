package io.proddatareset.connect;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain TCP sockets that read from the network in large blocks. PgJDBC reads its connection through
 * a fixed 8 kB buffer, which turns a backup's COPY stream into a system call every few rows;
 * reading ahead {@value #READ_AHEAD} bytes at a time cuts them to a handful per megabyte.
 * Everything else (TLS on top, time-outs, keep-alive) is PgJDBC's as before. Named in the {@code
 * socketFactory} connection property, which PgJDBC instantiates by reflection.
 */
public final class ReadAheadSocketFactory extends SocketFactory {
  static final int READ_AHEAD = 1 << 17;

  public ReadAheadSocketFactory() {}

  @Override
  public Socket createSocket() {
    return new ReadAheadSocket();
  }

  // A host name is resolved as Socket's constructors resolve it (null: the loopback address), then
  // connected to as an address.
  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return createSocket(InetAddress.getByName(host), port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return createSocket(InetAddress.getByName(host), port, localHost, localPort);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port), null);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return connected(
        new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
  }

  private static Socket connected(InetSocketAddress remote, InetSocketAddress local)
      throws IOException {
    Socket s = new ReadAheadSocket();
    try {
      if (local != null) {
        s.bind(local);
      }
      s.connect(remote);
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** A socket whose input stream reads ahead; one stream per socket, as every reader expects. */
  private static final class ReadAheadSocket extends Socket {
    private InputStream in;

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new ReadAhead(super.getInputStream());
      }
      return in;
    }
  }

  /**
   * Reads the network in large blocks; unlike {@link java.io.BufferedInputStream} it never asks the
   * socket how much is available (a system call) while it still has bytes to hand out.
   */
  static final class ReadAhead extends InputStream {
    private final InputStream in;
    private final byte[] buf = new byte[READ_AHEAD];
    private int pos;
    private int count;

    ReadAhead(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      if (pos == count && !fill()) {
        return -1;
      }
      return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (pos == count) {
        if (len >= buf.length) {
          return in.read(b, off, len);
        }
        if (!fill()) {
          return -1;
        }
      }
      int n = Math.min(len, count - pos);
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      return n;
    }

    /** One read from the socket; false at its end. */
    private boolean fill() throws IOException {
      int n = in.read(buf, 0, buf.length);
      if (n <= 0) {
        return false;
      }
      pos = 0;
      count = n;
      return true;
    }

    @Override
    public int available() throws IOException {
      int buffered = count - pos;
      return buffered > 0 ? buffered : in.available();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
