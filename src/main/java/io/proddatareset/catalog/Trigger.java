package io.proddatareset.catalog;

import java.util.List;
import java.util.Set;

/**
 * A user trigger (internal constraint triggers are not listed).
 *
 * @param onTruncate fires on TRUNCATE
 * @param onDelete fires on DELETE (row or statement level)
 * @param onUpdate fires on UPDATE (row or statement level)
 * @param enabled fires in the tool's sessions: {@code tgenabled} is {@code A} (always), or {@code
 *     O} (origin) while {@code session_replication_role} is not {@code replica}, or {@code R}
 *     (replica) while it is; never when {@code D} (disabled). The role is the one the tool's own
 *     connection has, so the reset, which connects the same way, sees the same triggers fire.
 * @param function the trigger function, as {@code regproc} shows it
 * @param state {@code pg_trigger.tgenabled}: O, A, R or D
 * @param before a BEFORE trigger (statement-level ON TRUNCATE triggers fire BEFORE or AFTER)
 * @param language the function's language ({@code plpgsql}, {@code sql}, {@code c}, ...)
 * @param source the function's source ({@code pg_proc.prosrc}): code for procedural languages, a
 *     symbol name for {@code c} and {@code internal}
 * @param arguments the arguments the trigger passes to its function ({@code TG_ARGV})
 */
public record Trigger(
    String name,
    boolean onTruncate,
    boolean onDelete,
    boolean onUpdate,
    boolean enabled,
    String function,
    String state,
    boolean before,
    String language,
    String source,
    List<String> arguments) {

  private static final Set<String> READABLE_LANGUAGES = Set.of("plpgsql", "sql");

  public Trigger {
    arguments = List.copyOf(arguments);
  }

  /**
   * True when {@link #source()} is code this tool can read for the names it mentions (PL/pgSQL and
   * SQL); false for C, internal and other languages.
   */
  public boolean sourceReadable() {
    return source != null && READABLE_LANGUAGES.contains(language);
  }
}
