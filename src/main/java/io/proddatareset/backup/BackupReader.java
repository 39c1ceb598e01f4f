package io.proddatareset.backup;

import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.SqlNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams a data-only backup: this tool's files and plain files written by {@code pg_dump
 * --data-only} (plain, gzip or zstd). It hands each {@code COPY} block's data and each {@code
 * setval} to a {@link Handler} and counts and checksums every block as it goes, so memory stays
 * flat whatever the file's size.
 *
 * <p>Only data statements are accepted. The {@code SET} / {@code set_config} preamble, comments,
 * {@code ALTER TABLE ... DISABLE/ENABLE TRIGGER ALL} and the {@code \restrict} / {@code
 * &#92;unrestrict} lines of current pg_dump releases are skipped; anything else (DDL, INSERTs,
 * large objects, other psql meta-commands) makes the read fail with the line number, before the
 * handler sees it.
 */
final class BackupReader {
  /** Receives a backup's content in file order. */
  interface Handler {
    /**
     * One COPY block. {@code data} yields the block's COPY text (without the {@code \.} line) and
     * then ends; the handler may read all, part or none of it, and need not close it.
     */
    void copy(CopyStatement statement, InputStream data) throws IOException, SQLException;

    /** One setval line. */
    void setval(SetvalStatement statement) throws IOException, SQLException;
  }

  /** A handler that only looks: used to count and checksum a file. */
  static final Handler SCAN =
      new Handler() {
        @Override
        public void copy(CopyStatement statement, InputStream data) {}

        @Override
        public void setval(SetvalStatement statement) {}
      };

  /**
   * What was read.
   *
   * @param producer e.g. {@code prod-data-reset 0.1.0} or {@code pg_dump version 16.4}, null if the
   *     header does not say
   * @param serverVersion the server version the header names, or null
   * @param complete the dump-complete footer was seen (a cut-off file lacks it)
   * @param blocks every COPY block, in file order
   * @param tables every table the blocks hold data for, in the order of their first blocks: a
   *     table's data may come in several blocks (rows appended later)
   * @param fileSha256 SHA-256 of the file's bytes as stored (compressed, if it is)
   * @param subset the file says it is a subset backup ({@link BackupFormat#SUBSET_MARK}), whose
   *     rows only its manifest can put back
   */
  record Summary(
      String producer,
      String serverVersion,
      boolean complete,
      List<Block> blocks,
      List<TableData> tables,
      List<SetvalStatement> setvals,
      String fileSha256,
      long fileBytes,
      boolean subset) {
    public Summary {
      blocks = List.copyOf(blocks);
      tables = List.copyOf(tables);
      setvals = List.copyOf(setvals);
    }
  }

  /**
   * One table's data in the file, in one or several blocks.
   *
   * @param statement its first block's COPY statement
   * @param rows data lines in all its blocks
   * @param bytes size of the data of all its blocks
   * @param sha256 SHA-256 of the data of all its blocks one after the other, in file order (of its
   *     one block's data, for a table in one block)
   * @param blocks its blocks, in file order
   */
  record TableData(
      CopyStatement statement, long rows, long bytes, String sha256, List<Block> blocks) {
    public TableData {
      blocks = List.copyOf(blocks);
    }
  }

  /** A table's blocks while the file is read, and the digest of all their data. */
  private static final class TableBlocks {
    final List<Block> blocks = new ArrayList<>();
    final java.security.MessageDigest all;

    TableBlocks(java.security.MessageDigest all) {
      this.all = all;
    }

    TableData data() {
      Block first = blocks.get(0);
      return new TableData(
          first.statement(),
          blocks.stream().mapToLong(Block::rows).sum(),
          blocks.stream().mapToLong(Block::bytes).sum(),
          blocks.size() == 1 ? first.sha256() : Sha256.hex(all),
          blocks);
    }
  }

  /**
   * One COPY block as found in the file.
   *
   * @param rows data lines (one per row in COPY text format)
   * @param sha256 SHA-256 of the block's data bytes
   * @param bytes size of the block's data
   */
  record Block(CopyStatement statement, long rows, String sha256, long bytes) {}

  private static final Pattern SEARCH_PATH =
      Pattern.compile("(?i)^SET\\s+search_path\\s*(?:=|TO)\\s*([^,;]+)");
  private static final Pattern CLIENT_ENCODING =
      Pattern.compile("(?i)^SET\\s+client_encoding\\s*(?:=|TO)\\s*'?([^';\\s]*)'?");
  private static final Pattern TRIGGER_ALL =
      Pattern.compile("(?i)^ALTER\\s+TABLE\\s+.*\\s(DISABLE|ENABLE)\\s+TRIGGER\\s+ALL\\s*;\\s*$");

  private final DumpInput input;

  private BackupReader(InputStream in) {
    this.input = new DumpInput(in);
  }

  /**
   * The data goes to the server as UTF-8 (PgJDBC's client encoding). pg_dump writes its file in the
   * database's encoding and says so in {@code SET client_encoding}: a file in another encoding
   * would fail on its first invalid byte, or worse, load wrong characters where its bytes happen to
   * be valid UTF-8. SQL_ASCII means bytes as they are, which is what is sent.
   */
  private void checkEncoding(String statement) throws BackupFormatException {
    Matcher m = CLIENT_ENCODING.matcher(statement);
    if (!m.find()) {
      return;
    }
    String name = m.group(1).replace("-", "").replace("_", "").toUpperCase(Locale.ROOT);
    if (!name.equals("UTF8") && !name.equals("UNICODE") && !name.equals("SQLASCII")) {
      throw new BackupFormatException(
          input.line(),
          "the data is in the "
              + abbreviate(m.group(1))
              + " encoding, and restore sends UTF-8: dump it again with pg_dump --encoding=UTF8,"
              + " or convert the file to UTF-8 (iconv) and change that line");
    }
  }

  /**
   * Reads the whole file. {@code raw} is the file's bytes as stored; it is read to its end but not
   * closed.
   *
   * @throws BackupFormatException for a statement this tool does not restore, a damaged compressed
   *     stream or a file cut off inside a COPY block
   */
  static Summary read(InputStream raw, Handler handler) throws IOException, SQLException {
    HashingInputStream hashed = new HashingInputStream(raw);
    InputStream decompressed;
    try {
      decompressed = Compression.decompress(hashed);
    } catch (java.util.zip.ZipException e) {
      throw BackupFormatException.damaged(0, "damaged gzip data: " + e.getMessage());
    }
    BackupReader reader = new BackupReader(new DecompressorFailures(decompressed, hashed));
    Summary partial;
    try {
      partial = reader.readAll(handler);
    } catch (DecompressorFailures.Failed e) {
      String why = e.getMessage();
      throw BackupFormatException.damaged(
          reader.input.line(),
          why.startsWith("damaged") ? why : "damaged or cut-off compressed data: " + why);
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw BackupFormatException.damaged(
          reader.input.line(), "damaged or cut-off compressed data: " + e.getMessage());
    } catch (RuntimeException e) {
      // aircompressor reports corrupt zstd frames as unchecked exceptions
      if (e.getClass().getName().startsWith("io.airlift.compress")) {
        throw BackupFormatException.damaged(
            reader.input.line(), "damaged zstd data: " + e.getMessage());
      }
      throw e;
    }
    // a gzip reader may stop at the end of the last member without reading padding after it
    hashed.transferTo(OutputStream.nullOutputStream());
    return new Summary(
        partial.producer(),
        partial.serverVersion(),
        partial.complete(),
        partial.blocks(),
        partial.tables(),
        partial.setvals(),
        hashed.hex(),
        hashed.count(),
        partial.subset());
  }

  private Summary readAll(Handler handler) throws IOException, SQLException {
    String producer = null;
    String serverVersion = null;
    boolean complete = false;
    boolean subset = false;
    String defaultSchema = "public";
    List<Block> blocks = new ArrayList<>();
    java.util.Map<TableName, TableBlocks> tables = new java.util.LinkedHashMap<>();
    List<SetvalStatement> setvals = new ArrayList<>();
    String text;
    while ((text = input.readLine()) != null) {
      String s = text.strip();
      if (s.isEmpty()) {
        continue;
      }
      if (s.startsWith("--")) {
        if (s.startsWith("-- Dumped by ")) {
          producer = s.substring("-- Dumped by ".length()).strip();
        } else if (s.startsWith("-- Dumped from database version ")) {
          serverVersion = s.substring("-- Dumped from database version ".length()).strip();
        } else if (s.equals(BackupFormat.COMPLETE)) {
          complete = true;
        } else if (s.equals(BackupFormat.SUBSET_MARK)) {
          subset = true;
        }
        continue;
      }
      if (s.startsWith("\\")) {
        if (s.startsWith("\\restrict ") || s.startsWith("\\unrestrict ")) {
          continue;
        }
        throw new BackupFormatException(
            input.line(), "psql meta-command not supported in a data backup: " + abbreviate(s));
      }
      complete = false;
      String upper = s.toUpperCase(Locale.ROOT);
      if (upper.startsWith("SET ")) {
        checkEncoding(s);
        Matcher m = SEARCH_PATH.matcher(s);
        if (m.find()) {
          String first = m.group(1).strip();
          if (!first.isEmpty() && !first.equals("''")) {
            defaultSchema = new SqlNames(first, 0).identifier();
          }
        }
        continue;
      }
      if (upper.startsWith("SELECT PG_CATALOG.SET_CONFIG(")) {
        continue;
      }
      if (TRIGGER_ALL.matcher(s).matches()) {
        continue;
      }
      SetvalStatement setval = SetvalStatement.parse(s);
      if (setval != null) {
        setvals.add(setval);
        handler.setval(setval);
        continue;
      }
      CopyStatement copy;
      try {
        copy = CopyStatement.parse(s, defaultSchema);
      } catch (IllegalArgumentException e) {
        throw new BackupFormatException(input.line(), e.getMessage() + ": " + abbreviate(s));
      }
      if (copy == null) {
        throw new BackupFormatException(input.line(), notData(s));
      }
      TableBlocks earlier = tables.get(copy.table());
      DumpInput.BlockData data =
          earlier == null ? input.block(copy) : input.block(copy, earlier.all);
      handler.copy(copy, data);
      data.drain();
      TableBlocks table = earlier;
      if (table == null) {
        table = new TableBlocks(data.digestSoFar());
        tables.put(copy.table(), table);
      }
      Block block = data.block();
      blocks.add(block);
      table.blocks.add(block);
    }
    return new Summary(
        producer,
        serverVersion,
        complete,
        blocks,
        tables.values().stream().map(TableBlocks::data).toList(),
        setvals,
        null,
        0,
        subset);
  }

  /** Why a statement is refused, with what to do for the files people most often try. */
  private String notData(String statement) {
    if (input.line() == 1 && statement.startsWith("PGDMP")) {
      return "this is a pg_dump archive in the custom format (pg_dump -Fc), not a plain SQL file:"
          + " turn its data into one with pg_restore --data-only -f FILE.sql, and restore"
          + " FILE.sql";
    }
    String upper = statement.toUpperCase(Locale.ROOT);
    String hint =
        upper.startsWith("CREATE ") || upper.startsWith("ALTER ") || upper.startsWith("COMMENT ")
            ? " (the file holds the schema too: dump with pg_dump --data-only, or create the"
                + " schema first and restore a data-only dump)"
            : "";
    return "not a data statement (only COPY blocks and setval are restored)"
        + hint
        + ": "
        + abbreviate(statement);
  }

  /** The start of a line for a message: at most 80 characters, control characters as '?'. */
  static String abbreviate(String s) {
    String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
    StringBuilder out = new StringBuilder(shown.length());
    shown.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return out.toString();
  }
}
