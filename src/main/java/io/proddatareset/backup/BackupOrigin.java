package io.proddatareset.backup;

import io.proddatareset.ExitException;

/**
 * Where a backup came from, as its manifest records it, beside the database it is about to go into
 * (or be checked against). A manifest records the source database's name and its server's system
 * identifier; they tell a backup of another database, or of a same-named database on another
 * server, from one of this database.
 *
 * @param manifest the backup's manifest, or null for a file without one (a plain pg_dump file):
 *     then nothing is recorded about its source
 * @param target the database it goes into
 */
public record BackupOrigin(BackupManifest manifest, DatabaseIdentity target) {
  /** True when the manifest names the source database. */
  public boolean recorded() {
    return manifest != null && manifest.database() != null;
  }

  /** True when the source is recorded and is not the target (by name or by server). */
  public boolean otherDatabase() {
    return difference("backup") != null;
  }

  /** True when both system identifiers are known and differ. */
  boolean otherServer() {
    return recorded()
        && manifest.systemIdentifier() != null
        && target.systemIdentifier() != null
        && !manifest.systemIdentifier().equals(target.systemIdentifier());
  }

  /**
   * How the source differs from the target, e.g. {@code the backup is of database 'shop', the
   * target is database 'shop_test'}; null when they are the same, or nothing is recorded.
   *
   * @param noun what is of the source: {@code backup} or {@code manifest}
   */
  public String difference(String noun) {
    if (!recorded()) {
      return null;
    }
    boolean otherName = !manifest.database().equals(target.database());
    if (!otherName && !otherServer()) {
      return null;
    }
    if (!otherName) {
      return "the "
          + noun
          + " is of a database named '"
          + manifest.database()
          + "' on another server: its system identifier is "
          + manifest.systemIdentifier()
          + ", the target's "
          + target.systemIdentifier();
    }
    String where =
        otherServer()
            ? ", on another server (system identifier "
                + manifest.systemIdentifier()
                + ", the target's "
                + target.systemIdentifier()
                + ")"
            : "";
    return "the "
        + noun
        + " is of database '"
        + manifest.database()
        + "', the target is database '"
        + target.database()
        + "'"
        + where;
  }

  /**
   * The source as recorded, e.g. {@code database 'shop' (system identifier 7312..., at
   * postgresql://app@db.example.com:5432/shop), snapshot 2026-01-02T03:04:05Z}; null when nothing
   * is recorded. The target is recorded redacted, without a password.
   */
  public String source() {
    if (!recorded()) {
      return null;
    }
    StringBuilder sb = new StringBuilder("database '").append(manifest.database()).append('\'');
    sb.append(" (system identifier ")
        .append(manifest.systemIdentifier() == null ? "not recorded" : manifest.systemIdentifier());
    if (manifest.target() != null) {
      sb.append(", at ").append(manifest.target());
    }
    sb.append(')');
    if (manifest.snapshotTime() != null) {
      sb.append(", snapshot ").append(manifest.snapshotTime());
    }
    return sb.toString();
  }

  /** The target, e.g. {@code database 'shop' (system identifier 7312...)}. */
  public String targetDescription() {
    return "database '"
        + target.database()
        + "' (system identifier "
        + (target.systemIdentifier() == null
            ? "not readable by this role"
            : target.systemIdentifier())
        + ")";
  }

  /**
   * Refuses a restore from another database unless {@code allowed}.
   *
   * @throws ExitException REFUSED, naming both and what differs
   */
  public void requireSameForRestore(boolean allowed) {
    String difference = difference("backup");
    if (difference != null && !allowed) {
      throw ExitException.refused(
          "Refusing to restore: "
              + difference
              + ". Nothing was changed: check that the target is the database you mean, or pass"
              + " --allow-other-database to load this backup into it.");
    }
  }
}
