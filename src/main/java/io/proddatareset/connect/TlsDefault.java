package io.proddatareset.connect;

import io.proddatareset.ExitException;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Set;

/**
 * The TLS policy: {@code require} by default for a host that is not loopback, which the user may
 * tighten but not weaken; loopback hosts default to {@code prefer} and may be weakened.
 */
final class TlsDefault {
  static final Set<String> SSL_MODES =
      Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
  private static final Set<String> WEAK_SSL_MODES = Set.of("disable", "allow", "prefer");

  private TlsDefault() {}

  /** True for localhost and loopback IP literals; never does a DNS lookup. */
  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (h.matches("[0-9.]+") || h.contains(":")) {
      try {
        return InetAddress.getByName(h).isLoopbackAddress();
      } catch (Exception e) {
        return false;
      }
    }
    return false;
  }

  static ConnectionTarget apply(ConnectionTarget target) {
    boolean loopback = isLoopback(target.host());
    String mode = target.sslMode();
    if (mode == null) {
      return target.withSslMode(loopback ? "prefer" : "require");
    }
    if (!SSL_MODES.contains(mode)) {
      throw unknownSslMode(mode);
    }
    if (!loopback && WEAK_SSL_MODES.contains(mode)) {
      throw ExitException.usage(
          "sslmode="
              + mode
              + " is not allowed for "
              + target.host()
              + ": a remote database needs TLS (require, verify-ca or verify-full).");
    }
    return target;
  }

  /** The {@code sslmode} parameter's value in lower case; fails for one that is no mode. */
  static String checkedMode(String value) {
    String mode = value.toLowerCase(Locale.ROOT);
    if (!SSL_MODES.contains(mode)) {
      throw unknownSslMode(mode);
    }
    return mode;
  }

  private static ExitException unknownSslMode(String mode) {
    String shown = mode.matches("[a-z-]{1,12}") ? " '" + mode + "'" : " (not shown)";
    return ExitException.usage(
        "Unknown sslmode"
            + shown
            + ": use one of disable, allow, prefer, require, verify-ca, verify-full.");
  }
}
