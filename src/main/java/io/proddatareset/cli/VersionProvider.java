package io.proddatareset.cli;

import picocli.CommandLine.IVersionProvider;

/** Reads the version from the jar manifest; "dev" when run from classes. */
public class VersionProvider implements IVersionProvider {
  public static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {
      "prod-data-reset " + version(),
      "Java "
          + System.getProperty("java.version")
          + ", PgJDBC "
          + org.postgresql.util.DriverInfo.DRIVER_VERSION
    };
  }
}
