package io.proddatareset.audit;

import static io.proddatareset.connect.Redaction.redact;

import io.proddatareset.ExitException;
import io.proddatareset.connect.ConnectionTarget;
import io.proddatareset.connect.Redaction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One event of the audit log: what ran against which database, with which outcome. Every string is
 * passed through {@link Redaction#redact} when the record is made, so a record never holds a
 * password, whatever its caller put into it (the SHA-256 is checked to be hex instead).
 *
 * @param time when the event happened
 * @param run an id shared by the events of one run (started, then one final event)
 * @param command {@code backup}, {@code reset} or {@code restore}
 * @param outcome what happened
 * @param user the OS user; null means the log fills in the current one
 * @param host the machine; null means the log fills in this one
 * @param target the database as {@link Redaction#describe} shows it
 * @param planId the plan id the run was bound to or computed, may be null
 * @param tables the tables concerned with their row counts, in order
 * @param backupFile the backup file, may be null
 * @param backupSha256 the backup file's SHA-256 (hex), may be null
 * @param agent the AI coding agent that ran the tool, as {@link AgentConsent} detected it, may be
 *     null
 * @param consent the user's own words of consent given through {@code PDR_USER_CONSENT}, may be
 *     null
 * @param noBackupReason the reason given with {@code --i-have-a-backup}, may be null
 * @param error what went wrong (failed, refused, rolled back), or what state an interrupted run
 *     left; may be null
 * @param duration how long the run took until this event, may be null
 * @param finalPhaseMillis for a reset: how long its final phase held writers off (from asking for
 *     the locks against writers until the commit), in milliseconds; may be null
 * @param finalPhaseBytes for a reset: the size of its reset tables as the plan shows it (the sum of
 *     their total relation sizes before the reset), which that final phase worked through; may be
 *     null. With {@code finalPhaseMillis} it gives the rate a later plan estimates the writers'
 *     wait from ({@link AuditLog#newestFinalPhase})
 * @param renderRecovery issue 14: for a database found through the Render API, Render's
 *     point-in-time-recovery status of it ({@code AVAILABLE (from ...)}, {@code BACKUP_NOT_READY},
 *     {@code not reported}); null for any other target
 */
public record AuditRecord(
    Instant time,
    String run,
    String command,
    Outcome outcome,
    String user,
    String host,
    String target,
    String planId,
    List<TableCount> tables,
    String backupFile,
    String backupSha256,
    String agent,
    String consent,
    String noBackupReason,
    String error,
    Duration duration,
    Long finalPhaseMillis,
    Long finalPhaseBytes,
    String renderRecovery) {

  /**
   * The outcome of the event, written in lower case. A run writes {@code started} when it begins to
   * change something, and ends with exactly one of the others.
   */
  public enum Outcome {
    /** the change began (a reset's or restore's transaction, a backup's copy) */
    STARTED,
    /** done: a reset or restore committed, a backup written and checked */
    SUCCEEDED,
    /** an error stopped it; the error says whether anything changed */
    FAILED,
    /** stopped by a safety check or the user before anything changed */
    REFUSED,
    /** its own check failed after part of the work, and it rolled back: nothing changed */
    ROLLED_BACK,
    /** Ctrl-C or SIGTERM; the error says what state it left */
    INTERRUPTED;

    public String jsonName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A table and its row count, as the plan or the backup saw it. */
  public record TableCount(String table, long rows) {
    public TableCount {
      Objects.requireNonNull(table, "table");
      table = redact(table);
    }
  }

  public AuditRecord {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(outcome, "outcome");
    run = redact(run);
    command = redact(command);
    user = redact(user);
    host = redact(host);
    target = redact(target);
    planId = redact(planId);
    tables = List.copyOf(tables == null ? List.of() : tables);
    backupFile = redact(backupFile);
    // a hash is checked rather than redacted: masking a short secret inside it would corrupt it
    if (backupSha256 != null && !backupSha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("backupSha256 must be 64 lower-case hex digits");
    }
    agent = redact(agent);
    consent = redact(consent);
    noBackupReason = redact(noBackupReason);
    error = redact(error);
    renderRecovery = redact(renderRecovery);
    if (finalPhaseMillis != null && finalPhaseMillis < 0
        || finalPhaseBytes != null && finalPhaseBytes < 0) {
      throw new IllegalArgumentException("the final phase's time and size are never negative");
    }
  }

  /**
   * A builder for the events of one run of {@code command}. It can be reused: set what is known,
   * {@link Builder#build} a {@code started} record, add what became known, build the final one.
   * Each build takes the current time. The run id is made once per builder.
   */
  public static Builder builder(String command) {
    return new Builder(command);
  }

  /** Mutable, not thread-safe; {@link #build} returns an immutable record. */
  public static final class Builder {
    private final String command;
    private final String run = UUID.randomUUID().toString();
    private Outcome outcome;
    private String target;
    private String planId;
    private final List<TableCount> tables = new ArrayList<>();
    private String backupFile;
    private String backupSha256;
    private String agent;
    private String consent;
    private String noBackupReason;
    private String error;
    private Duration duration;
    private Long finalPhaseMillis;
    private Long finalPhaseBytes;
    private String renderRecovery;

    private Builder(String command) {
      this.command = Objects.requireNonNull(command, "command");
    }

    public Builder outcome(Outcome outcome) {
      this.outcome = outcome;
      return this;
    }

    /** The failure as the user saw it: an ExitException's message, else type and message. */
    public Builder error(Throwable failure) {
      if (failure == null) {
        this.error = null;
      } else if (failure instanceof ExitException) {
        this.error = failure.getMessage();
      } else {
        this.error = failure.getClass().getSimpleName() + ": " + failure.getMessage();
      }
      return this;
    }

    public Builder error(String error) {
      this.error = error;
      return this;
    }

    /** The target as {@link Redaction#describe} shows it: never its password. */
    public Builder target(ConnectionTarget target) {
      this.target = target == null ? null : Redaction.describe(target);
      return this;
    }

    /** A target given as text; redacted. */
    public Builder target(String target) {
      this.target = target;
      return this;
    }

    /** Replaces the tables with these, in the map's iteration order. */
    public Builder tables(Map<String, Long> rowsByTable) {
      tables.clear();
      rowsByTable.forEach((table, rows) -> tables.add(new TableCount(table, rows)));
      return this;
    }

    public Builder planId(String planId) {
      this.planId = planId;
      return this;
    }

    public Builder backup(String file, String sha256) {
      this.backupFile = file;
      this.backupSha256 = sha256;
      return this;
    }

    public Builder consent(String consent) {
      this.consent = consent;
      return this;
    }

    /** The agent detected and the consent text, from {@link AgentConsent#require}. */
    public Builder consent(AgentConsent.Check check) {
      this.agent = check.agent();
      this.consent = check.consent();
      return this;
    }

    public Builder noBackupReason(String reason) {
      this.noBackupReason = reason;
      return this;
    }

    public Builder duration(Duration duration) {
      this.duration = duration;
      return this;
    }

    /**
     * A reset's final phase: how long it held writers off and the size of the reset tables it
     * worked through (see the record's parameters).
     */
    public Builder finalPhase(long millis, long bytes) {
      this.finalPhaseMillis = millis;
      this.finalPhaseBytes = bytes;
      return this;
    }

    /** Render's point-in-time-recovery status of the target (see the record's parameters). */
    public Builder renderRecovery(String status) {
      this.renderRecovery = status;
      return this;
    }

    /**
     * @throws IllegalStateException when no outcome was set
     */
    public AuditRecord build() {
      if (outcome == null) {
        throw new IllegalStateException("an audit record needs an outcome");
      }
      return new AuditRecord(
          Instant.now(),
          run,
          command,
          outcome,
          null,
          null,
          target,
          planId,
          tables,
          backupFile,
          backupSha256,
          agent,
          consent,
          noBackupReason,
          error,
          duration,
          finalPhaseMillis,
          finalPhaseBytes,
          renderRecovery);
    }
  }
}
