package io.proddatareset.cli;

import io.proddatareset.Program;
import io.proddatareset.audit.AgentConsent;
import io.proddatareset.backup.BackupResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The commands that put a backup's data back, printed after a reset or a backup (and the restore
 * command after a restore's dry run) so that they can be run as they are: the program as the user
 * ran it, a {@code restore --dry-run} preview first, the same target options as the run, {@code
 * --confirm DBNAME}, and for an AI agent the consent variable the restore will ask for.
 */
final class RestoreHint {
  /**
   * What an agent puts in place of the user's words: refused as it is by {@link AgentConsent} (it
   * is a placeholder), and free of single quotes so that it sits in single quotes unchanged.
   */
  static final String CONSENT_PLACEHOLDER = "<the words in which the user approved this restore>";

  private RestoreHint() {}

  /**
   * The lines to print after a reset, each ending in a newline.
   *
   * @param database the target's database name, which {@code --confirm} must repeat
   * @param target how the reset's target was named, to name it the same way
   */
  static String render(
      Map<String, String> env, Path backup, String database, TargetOptions.SameTarget target) {
    return render(env, "put the data back", backup, database, target);
  }

  /**
   * The lines to print after a backup: for a file, how to restore it; for a stream, how to restore
   * it once saved (as FILE, with the manifest beside it).
   */
  static String afterBackup(
      Map<String, String> env, BackupResult r, String database, TargetOptions.SameTarget target) {
    return r.file() == null
        ? render(
            env,
            "restore the saved stream later (FILE below, with the manifest beside it as"
                + " FILE.manifest.json)",
            Path.of("FILE"),
            database,
            target)
        : render(
            env, "restore this backup", r.file().toAbsolutePath().normalize(), database, target);
  }

  /**
   * The lines to print, each ending in a newline: what they are for, the preview, the restore.
   *
   * @param purpose what the commands do, following "To": "put the data back"
   * @param backup the backup file, as the commands name it
   */
  static String render(
      Map<String, String> env,
      String purpose,
      Path backup,
      String database,
      TargetOptions.SameTarget target) {
    boolean agent = AgentConsent.inspect(env).agentDetected();
    List<String> preview = new ArrayList<>(List.of("restore", "--dry-run", backup.toString()));
    preview.addAll(target.options());

    StringBuilder sb = new StringBuilder("To ").append(purpose);
    sb.append(
        agent
            ? ": run the preview, show it to the user, and restore only when they approve, with"
                + " their own words in "
                + AgentConsent.VARIABLE
                + ":\n"
            : ", preview the restore, then run it:\n");
    sb.append("  ").append(Program.commandLine(env, preview)).append('\n');
    sb.append(restoreLines(env, backup, List.of(), database, target));
    return sb.toString();
  }

  /**
   * The restore command, indented, and the note on a password left out, each line ending in a
   * newline.
   *
   * @param options restore's options besides the target and {@code --confirm}, unquoted
   */
  static String restoreLines(
      Map<String, String> env,
      Path backup,
      List<String> options,
      String database,
      TargetOptions.SameTarget target) {
    List<String> restore = new ArrayList<>(List.of("restore", backup.toString()));
    restore.addAll(target.options());
    restore.addAll(options);
    restore.addAll(List.of("--confirm", database));
    StringBuilder sb = new StringBuilder("  ");
    if (AgentConsent.inspect(env).agentDetected()) {
      sb.append(AgentConsent.VARIABLE)
          .append('=')
          .append(Program.quote(CONSENT_PLACEHOLDER))
          .append(' ');
    }
    sb.append(Program.commandLine(env, restore)).append('\n');
    if (target.passwordLeftOut()) {
      sb.append(
          "  (the password of the URL is left out: supply it through PGPASSWORD or ~/.pgpass)\n");
    }
    return sb.toString();
  }
}
