package io.proddatareset.plan;

/**
 * How plans and messages say where a table's action came from: "named in --keep" for the command
 * line, "listed in keep: of FILE" for a policy file, so that nobody looks for an option that was
 * never given.
 */
final class PolicyWords {
  private final Policy policy;

  PolicyWords(Policy policy) {
    this.policy = policy;
  }

  private static String key(boolean keepList) {
    return keepList ? "keep:" : "reset:";
  }

  private static String option(boolean keepList) {
    return keepList ? "--keep" : "--reset";
  }

  private String file() {
    return policy.file().name();
  }

  /** Why a table whose name {@code text} is in one list has that list's action. */
  String named(boolean keepList, String text) {
    return policy.fromFile(keepList, text)
        ? "listed in " + key(keepList) + " of " + file()
        : "named in " + option(keepList);
  }

  /**
   * The table named by {@code keepText} in the keep list and {@code resetText} in the reset list
   * (one table, perhaps written two ways): "named in both --keep and --reset".
   */
  String both(String keepText, String resetText) {
    boolean keepFile = policy.fromFile(true, keepText);
    boolean resetFile = policy.fromFile(false, resetText);
    if (keepFile && resetFile) {
      return "listed in both keep: and reset: of " + file();
    }
    if (!keepFile && !resetFile) {
      return "named in both --keep and --reset";
    }
    return named(true, keepText) + " and " + named(false, resetText);
  }

  /** What to do about a table in both lists. */
  String bothRemedy(String keepText, String resetText) {
    return policy.fromFile(true, keepText) && policy.fromFile(false, resetText)
        ? "list it in one only"
        : "name it in one list only";
  }

  /** Where one list comes from: "--keep", "keep: of FILE", or "keep: of FILE or --keep". */
  private String where(boolean keepList) {
    boolean inFile = policy.fileLists(keepList);
    boolean inOptions = policy.optionsList(keepList);
    if (inFile && inOptions) {
      return key(keepList) + " of " + file() + " or " + option(keepList);
    }
    return inFile ? key(keepList) + " of " + file() : option(keepList);
  }

  private String verb(boolean keepList) {
    return policy.fileLists(keepList) ? "listed" : "named";
  }

  /** Why a table named in neither list gets the other list's default: "not named in --keep". */
  String notNamed(boolean keepList) {
    return "not " + verb(keepList) + " in " + where(keepList);
  }

  /** The table named in neither list when both are given. */
  String neither() {
    if (policy.fileLists(true)
        && policy.fileLists(false)
        && !policy.optionsList(true)
        && !policy.optionsList(false)) {
      return "listed in neither keep: nor reset: of " + file();
    }
    boolean listed = policy.fileLists(true) || policy.fileLists(false);
    return (listed ? "listed" : "named") + " in neither " + where(true) + " nor " + where(false);
  }

  /** What to add a table to, so that it is classified: "--keep or --reset". */
  String eitherList() {
    if (policy.file() != null) {
      return "keep: or reset: in " + file();
    }
    return "--keep or --reset";
  }

  /** Why a migration-history table is kept. */
  String migrationHistory() {
    return "migration history (kept unless "
        + (policy.file() != null ? "listed in reset: of " + file() : "named in --reset")
        + ")";
  }

  /**
   * How an error names one entry of a list: "--keep usres" for an option, "keep: usres in FILE" for
   * a policy file.
   */
  String entry(boolean keepList, String text) {
    return policy.fromFile(keepList, text)
        ? key(keepList) + " " + text + " in " + file()
        : option(keepList) + " " + text;
  }
}
