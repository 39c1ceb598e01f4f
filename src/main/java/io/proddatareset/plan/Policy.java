package io.proddatareset.plan;

import io.proddatareset.pg.QualifiedName;
import java.util.ArrayList;
import java.util.List;

/**
 * Which tables a reset empties and which it keeps, as the user said it: names as written (quoted or
 * not, optionally schema-qualified), not yet matched against a database. {@link Classifier} applies
 * it to a catalog.
 *
 * <ul>
 *   <li>only {@code keep}: every other table in the schemas is reset;
 *   <li>only {@code reset}: only those tables are reset, every other table is kept;
 *   <li>both: every table must be named in one of them, or the plan is refused (the policy is
 *       stale);
 *   <li>migration-history tables are kept unless named in {@code reset}.
 * </ul>
 *
 * <p>A list counts as given when it names a table or, in a policy file, when its key is there: a
 * file's {@code reset: []} says "reset nothing", never "reset whatever is not kept".
 *
 * @param schemas the schemas in scope, names exactly as in the database (default {@code public})
 * @param keep table names to keep
 * @param reset table names to reset
 * @param source where the policy came from, for messages (options, a file, or both)
 * @param file what came from a policy file, or null when none was given
 * @param rows the rows to reset ({@code --where}, {@code --reference}, {@code --tenant-key} and the
 *     file's {@code where:}, {@code references:}, {@code tenant-key:}), as written; {@link
 *     Rows#NONE} for a whole-table reset
 */
public record Policy(
    List<String> schemas,
    List<String> keep,
    List<String> reset,
    String source,
    FromFile file,
    Rows rows) {
  public static final List<String> DEFAULT_SCHEMAS = List.of("public");

  /**
   * A row selection as the user wrote it, not yet resolved against a catalog ({@link
   * RowSelection#resolve} does that).
   *
   * @param where {@code TABLE: CONDITION} texts, in the order given
   * @param references {@code CHILD(col, ...) -> PARENT(col, ...)} texts
   * @param tenantKey the tenant key column, or null
   */
  public record Rows(List<String> where, List<String> references, String tenantKey) {
    public static final Rows NONE = new Rows(List.of(), List.of(), null);

    public Rows {
      where = List.copyOf(where);
      references = List.copyOf(references);
    }

    /** True when a {@code --where} selection is given: the reset is of rows, not whole tables. */
    public boolean selects() {
      return !where.isEmpty();
    }

    /**
     * These values with {@code other}'s added (each text once); {@code other}'s tenant key wins.
     */
    public Rows plus(Rows other) {
      List<String> w = new ArrayList<>(where);
      other.where.stream().filter(x -> !w.contains(x)).forEach(w::add);
      List<String> r = new ArrayList<>(references);
      other.references.stream().filter(x -> !r.contains(x)).forEach(r::add);
      return new Rows(w, r, other.tenantKey != null ? other.tenantKey : tenantKey);
    }

    /** Resolves them against {@code catalog}; see {@link RowSelection#resolve}. */
    public RowSelection resolve(
        io.proddatareset.catalog.Catalog catalog, io.proddatareset.catalog.KeyDetails keys) {
      return RowSelection.resolve(catalog, keys, where, references, tenantKey);
    }
  }

  /**
   * The lists of a policy file, so that messages can say where a name came from.
   *
   * @param name the file as the user gave it
   * @param keep the names of its {@code keep:} list
   * @param reset the names of its {@code reset:} list
   * @param keepListed whether the file has a {@code keep:} key (an empty list included)
   * @param resetListed whether the file has a {@code reset:} key (an empty list included)
   */
  public record FromFile(
      String name, List<String> keep, List<String> reset, boolean keepListed, boolean resetListed) {
    public FromFile {
      keep = List.copyOf(keep);
      reset = List.copyOf(reset);
    }
  }

  public Policy {
    schemas = List.copyOf(schemas.isEmpty() ? DEFAULT_SCHEMAS : schemas);
    keep = List.copyOf(keep);
    reset = List.copyOf(reset);
    rows = rows == null ? Rows.NONE : rows;
  }

  /** A policy from options (no file). */
  public Policy(List<String> schemas, List<String> keep, List<String> reset, String source) {
    this(schemas, keep, reset, source, null, Rows.NONE);
  }

  /** This policy with {@code more} added to its row selection. */
  public Policy withRows(Rows more) {
    return new Policy(schemas, keep, reset, source, file, rows.plus(more));
  }

  /** True when the policy selects rows ({@code --where}): a subset reset. */
  public boolean selects() {
    return rows.selects();
  }

  /**
   * A policy from option values: each list item may hold several comma-separated names; schema
   * names may be double-quoted.
   */
  public static Policy of(List<String> schemas, List<String> keep, List<String> reset) {
    return new Policy(
        NameList.split(schemas).stream().map(QualifiedName::parseSchema).distinct().toList(),
        NameList.split(keep),
        NameList.split(reset),
        "options");
  }

  /** Keeps exactly these tables (names as the user would type them). */
  public static Policy keeping(String... keep) {
    return of(List.of(), List.of(keep), List.of());
  }

  /**
   * This policy with {@code other}'s names added; {@code other}'s schemas replace these when {@code
   * otherSchemasWin}. The source names both only when {@code other} adds something.
   */
  public Policy plus(Policy other, boolean otherSchemasWin) {
    List<String> k = new ArrayList<>(keep);
    other.keep.stream().filter(n -> !k.contains(n)).forEach(k::add);
    List<String> r = new ArrayList<>(reset);
    other.reset.stream().filter(n -> !r.contains(n)).forEach(r::add);
    boolean adds = otherSchemasWin || !other.keep.isEmpty() || !other.reset.isEmpty();
    return new Policy(
        otherSchemasWin ? other.schemas : schemas,
        k,
        r,
        adds ? source + " and " + other.source : source,
        file != null ? file : other.file,
        rows.plus(other.rows));
  }

  /** True when the keep list is given: it names a table, or a policy file has the key. */
  public boolean keepGiven() {
    return !keep.isEmpty() || (file != null && file.keepListed());
  }

  /** True when the reset list is given: it names a table, or a policy file has the key. */
  public boolean resetGiven() {
    return !reset.isEmpty() || (file != null && file.resetListed());
  }

  /**
   * True when neither list is given (a file's empty list counts as given) and no rows are selected.
   */
  public boolean empty() {
    return !keepGiven() && !resetGiven() && !selects();
  }

  /** True when {@code name} (as written) came from the policy file's keep or reset list. */
  boolean fromFile(boolean keepList, String name) {
    return file != null && (keepList ? file.keep() : file.reset()).contains(name);
  }

  /** True when the policy file gives the keep list (or the reset list): its key is there. */
  boolean fileLists(boolean keepList) {
    return file != null && (keepList ? file.keepListed() : file.resetListed());
  }

  /** True when {@code --keep} (or {@code --reset}) adds a name the policy file does not have. */
  boolean optionsList(boolean keepList) {
    return (keepList ? keep : reset).stream().anyMatch(n -> !fromFile(keepList, n));
  }
}
