package io.proddatareset.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Redaction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The append-only audit log: one JSON object per line, one line per event, in {@code
 * $XDG_STATE_HOME/prod-data-reset/audit.jsonl} (default {@code
 * ~/.local/state/prod-data-reset/audit.jsonl}) or a file given explicitly.
 *
 * <p>The file is created with mode 0600 and missing directories with 0700 (on POSIX file systems);
 * an existing file keeps its mode. Each event is written with one {@code write} of the whole line
 * to a file opened for appending, under an exclusive file lock (and, within this JVM, a lock of its
 * own, since file locks are held per process), then forced to disk; so lines of concurrent writers
 * never interleave and a line that was appended survives a crash. The log is opened and closed for
 * each event: nothing stays open between events.
 */
public final class AuditLog {
  public static final String DIRECTORY = "prod-data-reset";
  public static final String FILE_NAME = "audit.jsonl";

  // FileChannel.lock is per process: threads of one JVM must queue before it
  private static final ReentrantLock IN_PROCESS = new ReentrantLock();

  /**
   * Jackson's streaming writer: an audit record is written before a command starts its work, and
   * the data-binding {@code ObjectMapper} takes a quarter of a second to load.
   */
  private static final JsonFactory JSON = new JsonFactory();

  private static volatile String hostName;

  private final Path path;

  private AuditLog(Path path) {
    this.path = path.toAbsolutePath().normalize();
  }

  /** The log in {@code file}, e.g. from {@code --audit-log FILE}. */
  public static AuditLog at(Path file) {
    return new AuditLog(file);
  }

  /** The log at its default place for this environment; see {@link #defaultPath}. */
  public static AuditLog fromEnv(Map<String, String> env) {
    return new AuditLog(defaultPath(env));
  }

  /** {@code explicitFile} when given, otherwise the default place for this environment. */
  public static AuditLog resolve(Path explicitFile, Map<String, String> env) {
    return explicitFile != null ? at(explicitFile) : fromEnv(env);
  }

  /**
   * {@code $XDG_STATE_HOME/prod-data-reset/audit.jsonl}, or {@code
   * $HOME/.local/state/prod-data-reset/audit.jsonl} when XDG_STATE_HOME is unset or relative (the
   * XDG specification says to ignore a relative one).
   */
  public static Path defaultPath(Map<String, String> env) {
    String state = env.get("XDG_STATE_HOME");
    if (state != null && !state.isEmpty() && Path.of(state).isAbsolute()) {
      return Path.of(state, DIRECTORY, FILE_NAME);
    }
    String home = env.get("HOME");
    if (home == null || home.isEmpty()) {
      home = System.getProperty("user.home");
    }
    return Path.of(home, ".local", "state", DIRECTORY, FILE_NAME);
  }

  /** The log file, absolute. */
  public Path path() {
    return path;
  }

  /**
   * Creates the log file (and its directories) if missing and checks that it can be appended to,
   * without writing anything; for refusing before any change is made.
   *
   * @throws ExitException FAILURE naming the file and the reason
   */
  public void ensureWritable() {
    IN_PROCESS.lock();
    try (FileChannel ignored = open()) {
      // opening for append is the check
    } catch (IOException e) {
      throw cannotWrite(e);
    } finally {
      IN_PROCESS.unlock();
    }
  }

  /**
   * Appends {@code record} as one line, filling in the OS user and host when the record has none.
   *
   * @throws ExitException FAILURE naming the file and the reason when the line could not be written
   *     completely
   */
  public void append(AuditRecord record) {
    String user = record.user() != null ? record.user() : System.getProperty("user.name");
    String host = record.host() != null ? record.host() : hostName();
    byte[] bytes = (line(record, user, host) + "\n").getBytes(StandardCharsets.UTF_8);
    IN_PROCESS.lock();
    try (FileChannel channel = open();
        FileLock lock = channel.lock()) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(false);
    } catch (IOException e) {
      throw cannotWrite(e);
    } finally {
      IN_PROCESS.unlock();
    }
  }

  /**
   * A reset's final phase as the audit log recorded it.
   *
   * @param time when that reset's final event was recorded
   * @param millis how long the final phase held writers off
   * @param bytes the size of the reset tables it worked through
   */
  public record FinalPhase(Instant time, long millis, long bytes) {}

  /**
   * The final phase of the newest succeeded reset of {@code target}'s database (the same host, port
   * and database, whoever connected) that recorded one; empty when there is none, or when the log
   * is missing or cannot be read (a measured rate is a refinement, never a reason to fail). Lines
   * that are not complete records are skipped. Reads only; creates nothing.
   */
  public Optional<FinalPhase> newestFinalPhase(ConnectionTarget target) {
    String database = withoutUser(Redaction.describe(target));
    FinalPhase newest = null;
    try (BufferedReader lines = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        FinalPhase p = finalPhase(line, database);
        if (p != null && (newest == null || !p.time().isBefore(newest.time()))) {
          newest = p;
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // no log yet, or one this user cannot read: no measured rate
    }
    return Optional.ofNullable(newest);
  }

  /**
   * The final phase in {@code line} when it is a succeeded reset of {@code database}; else null.
   */
  private static FinalPhase finalPhase(String line, String database) {
    String command = null;
    String outcome = null;
    String target = null;
    String time = null;
    Long millis = null;
    Long bytes = null;
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.getCurrentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          p.skipChildren();
          continue;
        }
        switch (field) {
          case "command" -> command = p.getValueAsString();
          case "outcome" -> outcome = p.getValueAsString();
          case "target" -> target = p.getValueAsString();
          case "time" -> time = p.getValueAsString();
          case "finalPhaseMillis" -> millis = value.isNumeric() ? p.getLongValue() : null;
          case "finalPhaseBytes" -> bytes = value.isNumeric() ? p.getLongValue() : null;
          default -> {}
        }
      }
      if (!"reset".equals(command)
          || !AuditRecord.Outcome.SUCCEEDED.jsonName().equals(outcome)
          || target == null
          || !withoutUser(target).equals(database)
          || time == null
          || millis == null
          || bytes == null) {
        return null;
      }
      return new FinalPhase(Instant.parse(time), millis, bytes);
    } catch (IOException | RuntimeException e) {
      return null; // a torn or foreign line
    }
  }

  /** {@code postgresql://host:port/db} from {@code postgresql://user@host:port/db}. */
  private static String withoutUser(String described) {
    int scheme = described.indexOf("://");
    int at = described.indexOf('@', scheme + 3);
    int slash = described.indexOf('/', scheme + 3);
    return at >= 0 && (slash < 0 || at < slash)
        ? described.substring(0, scheme + 3) + described.substring(at + 1)
        : described;
  }

  /** The record as one line of JSON, without the newline. Absent values are left out. */
  static String line(AuditRecord r) {
    return line(r, r.user(), r.host());
  }

  /** The line, with {@code user} and {@code host} (redacted here) for the record's own. */
  private static String line(AuditRecord r, String user, String host) {
    java.io.StringWriter text = new java.io.StringWriter();
    // Jackson escapes line breaks inside strings, so one event is always one line
    try (JsonGenerator o = JSON.createGenerator(text)) {
      o.writeStartObject();
      o.writeStringField(
          "time", DateTimeFormatter.ISO_INSTANT.format(r.time().truncatedTo(ChronoUnit.MILLIS)));
      putIfPresent(o, "run", r.run());
      o.writeStringField("command", r.command());
      o.writeStringField("outcome", r.outcome().jsonName());
      putIfPresent(o, "user", Redaction.redact(user));
      putIfPresent(o, "host", Redaction.redact(host));
      putIfPresent(o, "target", r.target());
      putIfPresent(o, "planId", r.planId());
      o.writeArrayFieldStart("tables");
      for (AuditRecord.TableCount t : r.tables()) {
        o.writeStartObject();
        o.writeStringField("table", t.table());
        o.writeNumberField("rows", t.rows());
        o.writeEndObject();
      }
      o.writeEndArray();
      if (r.backupFile() != null || r.backupSha256() != null) {
        o.writeObjectFieldStart("backup");
        putIfPresent(o, "file", r.backupFile());
        putIfPresent(o, "sha256", r.backupSha256());
        o.writeEndObject();
      }
      putIfPresent(o, "agent", r.agent());
      putIfPresent(o, "consent", r.consent());
      putIfPresent(o, "noBackupReason", r.noBackupReason());
      putIfPresent(o, "error", r.error());
      if (r.duration() != null) {
        o.writeNumberField("durationMs", r.duration().toMillis());
      }
      if (r.finalPhaseMillis() != null) {
        o.writeNumberField("finalPhaseMillis", r.finalPhaseMillis());
      }
      if (r.finalPhaseBytes() != null) {
        o.writeNumberField("finalPhaseBytes", r.finalPhaseBytes());
      }
      putIfPresent(o, "renderRecovery", r.renderRecovery());
      o.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static void putIfPresent(JsonGenerator o, String field, String value) throws IOException {
    if (value != null) {
      o.writeStringField(field, value);
    }
  }

  private FileChannel open() throws IOException {
    boolean posix = path.getFileSystem().supportedFileAttributeViews().contains("posix");
    Path parent = path.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      if (posix) {
        Files.createDirectories(
            parent,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(parent);
      }
    }
    Set<StandardOpenOption> options =
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    if (posix) {
      FileAttribute<?> owner =
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
      return FileChannel.open(path, options, owner);
    }
    return FileChannel.open(path, options);
  }

  private ExitException cannotWrite(IOException e) {
    String reason;
    if (e instanceof AccessDeniedException) {
      reason = "permission denied";
    } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
      reason = fse.getReason();
    } else if (e.getMessage() != null && !e.getMessage().isBlank()) {
      reason = e.getMessage();
    } else {
      reason = e.getClass().getSimpleName();
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException) {
      reason = "a file is in the way of a directory";
    }
    return ExitException.failure(
        "Cannot write the audit log "
            + path
            + " ("
            + Redaction.redact(reason.strip())
            + "): fix that, or choose another file with --audit-log FILE.",
        e);
  }

  private static String hostName() {
    String h = hostName;
    if (h == null) {
      h = lookUpHostName();
      hostName = h;
    }
    return h;
  }

  private static String lookUpHostName() {
    // /etc/hostname first: InetAddress may wait on DNS for a name that is right here
    try {
      Path etc = Path.of("/etc/hostname");
      if (Files.isReadable(etc)) {
        String name = Files.readString(etc).strip();
        if (!name.isEmpty()) {
          return name;
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
