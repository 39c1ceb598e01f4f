package io.proddatareset.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.proddatareset.catalog.TableName;
import java.util.List;
import java.util.Map;

/**
 * What a backup holds, written beside it as {@code FILE.manifest.json} once the file has been
 * re-read and checked. Restore checks a backup against it before committing. It never holds a
 * secret: the target is stored as {@code Redaction.describe} shows it.
 *
 * <p>A table's data may come in several {@code COPY} blocks: a reset copies every table from a
 * snapshot and later appends the rows written since then as further blocks of the same tables
 * (after every table's first block, parents first). Such a table's entry counts and checksums all
 * of its blocks together ({@link TableEntry}) and lists each block; its manifest has {@code
 * formatVersion} 2, which a reader of version 1 refuses instead of misreading (it would pair the
 * file's blocks with the tables one to one). Every other backup keeps {@code formatVersion} 1.
 *
 * @param formatVersion {@value #FORMAT_VERSION}, or {@value #APPENDED_FORMAT_VERSION} when a table
 *     has several blocks
 * @param tool e.g. {@code prod-data-reset 0.1.0}
 * @param target the redacted target ({@code postgresql://user@host:port/db}), or null
 * @param snapshotTime when the backup's snapshot was taken (ISO-8601, server clock)
 * @param planId the plan the backup belongs to, or null when there is none
 * @param file the backup's file name (without directory)
 * @param compression plain, gzip or zstd
 * @param fileBytes the file's size as stored
 * @param fileSha256 SHA-256 of the file as stored
 * @param kept written by a reset: the kept tables' row counts and content hashes, taken in the
 *     reset's snapshot, for {@code verify --manifest}; empty for a plain backup
 * @param reset written by a reset after its commit: what tells rows written since the commit from
 *     rows it removed ({@link ResetEntry}); null for a plain backup, an older manifest, or a reset
 *     whose commit was not confirmed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupManifest(
    int formatVersion,
    String tool,
    String target,
    String database,
    String serverVersion,
    String systemIdentifier,
    String snapshotTime,
    String planId,
    String file,
    String compression,
    long fileBytes,
    String fileSha256,
    List<TableEntry> tables,
    List<SequenceEntry> sequences,
    List<KeptEntry> kept,
    ResetEntry reset,
    SubsetInfo subset) {

  /** The version of a manifest whose every table has one COPY block. */
  public static final int FORMAT_VERSION = 1;

  /** The version of a manifest with a table whose data comes in several COPY blocks. */
  public static final int APPENDED_FORMAT_VERSION = 2;

  /**
   * The version of a subset backup's manifest ({@link #subset} set): one entry per COPY block, in
   * file order, each with its {@link TableEntry#action}; a table may have two entries. A reader of
   * versions 1 and 2 refuses it; the whole-table restore refuses it too (it goes into live tables).
   */
  public static final int SUBSET_FORMAT_VERSION = 3;

  /** The version a manifest of these tables has. */
  static int formatVersionFor(List<TableEntry> tables) {
    return tables.stream().anyMatch(t -> t.blocks() != null)
        ? APPENDED_FORMAT_VERSION
        : FORMAT_VERSION;
  }

  public BackupManifest {
    tables = tables == null ? List.of() : List.copyOf(tables);
    sequences = sequences == null ? List.of() : List.copyOf(sequences);
    kept = kept == null ? List.of() : List.copyOf(kept);
  }

  /** True for a subset backup: its rows go back into live tables. */
  public boolean holdsSubset() {
    return subset != null;
  }

  /** This manifest with {@code reset} as its reset section. */
  public BackupManifest withReset(ResetEntry reset) {
    return new BackupManifest(
        formatVersion,
        tool,
        target,
        database,
        serverVersion,
        systemIdentifier,
        snapshotTime,
        planId,
        file,
        compression,
        fileBytes,
        fileSha256,
        tables,
        sequences,
        kept,
        reset,
        subset);
  }

  public long totalRows() {
    return tables.stream().mapToLong(TableEntry::rows).sum();
  }

  /**
   * One table's data.
   *
   * @param name schema-qualified, as pg_dump shows it ({@code public."Genre"})
   * @param columns the columns written, in order (generated columns are left out)
   * @param rows rows written, in all of its blocks
   * @param bytes size of its COPY text data, in all of its blocks
   * @param sha256 SHA-256 of its COPY text data, as it appears between the COPY line and {@code
   *     \.}; for a table in several blocks, of the data of all its blocks one after the other, in
   *     file order (each block's data ends with a line break, so that is the data as one block
   *     would hold it)
   * @param parts when the table's first block was copied in several parts at once: each part's rows
   *     and SHA-256, in file order; null for a block copied in one piece
   * @param blocks when the table's data comes in several COPY blocks: each block's rows and
   *     SHA-256, in file order; null for a table in one block
   * @param appendedRows the rows appended after the first copy (in the blocks after the first),
   *     when rows were appended to this table, even none; null when nothing was appended
   * @param action in a subset backup, {@code delete} (the block holds rows the reset deleted,
   *     whole) or {@code update} (rows it updated, as they were before); null in a whole-table
   *     backup
   * @param key in a subset backup, the columns that identify a row (the primary key, else a unique
   *     index of NOT NULL columns); null when the table has none
   * @param updatedColumns for an {@code update} entry, the columns the reset set (the child columns
   *     of its SET NULL / SET DEFAULT keys), which a restore puts back; null otherwise
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TableEntry(
      String name,
      String schema,
      String table,
      List<String> columns,
      long rows,
      long bytes,
      String sha256,
      List<PartEntry> parts,
      List<BlockEntry> blocks,
      Long appendedRows,
      String action,
      List<String> key,
      List<String> updatedColumns) {
    /** The action of an entry whose block holds rows the reset deleted. */
    public static final String DELETE = "delete";

    /** The action of an entry whose block holds the pre-images of rows the reset updated. */
    public static final String UPDATE = "update";

    public TableEntry {
      columns = List.copyOf(columns);
      parts = parts == null ? null : List.copyOf(parts);
      blocks = blocks == null ? null : List.copyOf(blocks);
      key = key == null ? null : List.copyOf(key);
      updatedColumns = updatedColumns == null ? null : List.copyOf(updatedColumns);
    }

    /** The table this entry is of. */
    public TableName tableName() {
      return new TableName(schema, table);
    }

    /** How many COPY blocks the table's data comes in. */
    public int blockCount() {
      return blocks == null ? 1 : blocks.size();
    }
  }

  /** One part of a table copied in several parts. */
  public record PartEntry(long rows, String sha256) {}

  /** One COPY block of a table whose data comes in several. */
  public record BlockEntry(long rows, String sha256) {}

  /**
   * A sequence's value at the snapshot, written as a setval line.
   *
   * @param name schema-qualified, as pg_dump shows it
   * @param table the table it belongs to (owned by or used in a default of one of its columns)
   */
  public record SequenceEntry(
      String name, String schema, String sequence, String table, long value, boolean isCalled) {}

  /**
   * A table the reset kept, with its fingerprint at the reset's snapshot.
   *
   * @param hash the order-independent content hash, or null when only the count was checked
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record KeptEntry(String name, String schema, String table, long rows, String hash) {}

  /**
   * What a committed reset recorded, after its commit, so that a later {@code verify --manifest}
   * can tell rows written since the commit from the rows it removed. An optional section: a reader
   * of an older manifest, or of a plain backup's, finds none.
   *
   * @param committedAt the server's clock just before the reset's COMMIT (ISO-8601)
   * @param xid the reset transaction's id ({@code txid_current()}, 64-bit, as text)
   * @param restartIdentity the reset restarted the tables' identities: new rows reuse removed rows'
   *     keys by design, so only rows equal in every column count as removed rows back
   * @param textSettings the settings that shaped the backup's COPY text beyond the ones every
   *     backup pins (e.g. TimeZone), so that rows read later can be compared with it as text
   * @param tables each reset table with its storage right after the TRUNCATE
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ResetEntry(
      String committedAt,
      String xid,
      boolean restartIdentity,
      Map<String, String> textSettings,
      List<ResetTableEntry> tables) {
    public ResetEntry {
      textSettings =
          textSettings == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(textSettings));
      tables = tables == null ? List.of() : List.copyOf(tables);
    }
  }

  /**
   * A reset table's storage right after the TRUNCATE.
   *
   * @param relfilenodes {@code pg_relation_filenode} of the table, or of each leaf partition of a
   *     partitioned one, in the order of their names
   */
  public record ResetTableEntry(String name, String schema, String table, List<Long> relfilenodes) {
    public ResetTableEntry {
      relfilenodes = List.copyOf(relfilenodes);
    }
  }
}
