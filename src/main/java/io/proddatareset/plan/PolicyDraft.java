package io.proddatareset.plan;

import io.proddatareset.Counts;
import io.proddatareset.ExitException;
import io.proddatareset.Sizes;
import io.proddatareset.ToolVersion;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * A policy file written from a plan ({@code policy init}): every table of the schemas under {@code
 * keep:} or {@code reset:}, each with a comment (row count, size, the foreign keys that tie it to
 * other tables). Both lists are always written, so that a table added to the schema later is
 * refused as unclassified (the policy is stale) instead of silently getting a default.
 *
 * <p>The tables get the plan's actions; when the plan's policy names no table, every table is kept
 * (a safe start: the user moves the tables to reset under {@code reset:}). The text is read back
 * with {@link PolicyFile}'s strict reader and classified again before it is returned, so a file
 * this class writes is one that {@code plan --policy} reads the same way.
 */
public final class PolicyDraft {
  // names YAML reads as plain strings and QualifiedName reads unchanged: written without quotes
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_$.\"]*");

  /**
   * The policy file's text and what {@code plan --policy} will say about it.
   *
   * @param yaml the file's content
   * @param tables the number of tables classified
   * @param kept the tables under {@code keep:}
   * @param reset the tables under {@code reset:}
   * @param hazards what a plan with this policy would refuse (besides what only a live plan finds:
   *     lock holders, another run)
   * @param policy the policy as {@code plan --policy} reads the file
   */
  public record Draft(
      String yaml,
      int tables,
      List<TableName> kept,
      List<TableName> reset,
      List<Hazard> hazards,
      Policy policy) {
    public Draft {
      kept = List.copyOf(kept);
      reset = List.copyOf(reset);
      hazards = List.copyOf(hazards);
    }
  }

  private PolicyDraft() {}

  /**
   * The policy that classifies every table of {@code plan} as the plan does.
   *
   * @throws ExitException USAGE when the plan's policy gives both lists and leaves a table in
   *     neither: the draft would have to guess
   */
  public static Draft of(ResetPlan plan) {
    Catalog catalog = plan.catalog();
    boolean nothingGiven = plan.policy().empty();
    List<PlannedTable> unclassified =
        plan.tables().stream().filter(t -> t.action() == Action.UNCLASSIFIED).toList();
    if (!nothingGiven && !unclassified.isEmpty()) {
      throw ExitException.usage(
          Counts.of(unclassified.size(), "table")
              + " named in neither --keep nor --reset: "
              + unclassified.stream()
                  .map(t -> t.name().display())
                  .map(PolicyDraft::printable)
                  .collect(Collectors.joining(", "))
              + "; name each in one of them (or give only one list), nothing was written.");
    }
    List<PlannedTable> keep = new ArrayList<>();
    List<PlannedTable> reset = new ArrayList<>();
    List<PlannedTable> reached = new ArrayList<>();
    for (PlannedTable t : plan.tables()) {
      if (plan.isSubset() && t.action() != Action.RESET && plan.subset().touches(t.name())) {
        reached.add(t); // listed under keep:, it would refuse the selection
      } else {
        (t.action() == Action.RESET ? reset : keep).add(t);
      }
    }
    boolean qualify = catalog.schemas().size() > 1;
    StringBuilder out = new StringBuilder();
    header(out, plan, nothingGiven);
    out.append("schema:");
    if (catalog.schemas().size() == 1) {
      out.append(' ').append(yamlScalar(Identifiers.display(catalog.schemas().get(0))));
      out.append('\n');
    } else {
      out.append('\n');
      catalog
          .schemas()
          .forEach(s -> out.append("  - ").append(yamlScalar(Identifiers.display(s))).append('\n'));
    }
    list(out, "keep", keep, plan, qualify);
    list(out, "reset", reset, plan, qualify);
    if (plan.isSubset()) {
      SubsetDraft.append(out, plan, reached, qualify);
    }
    String yaml = out.toString();

    // read it back as plan --policy will, so that what is written is what was meant
    Policy readBack = PolicyFile.parse(yaml, "the generated policy");
    Classification again = Classifier.classify(catalog, readBack);
    for (PlannedTable t : plan.tables()) {
      Action expected =
          reached.contains(t)
              ? Action.UNCLASSIFIED
              : t.action() == Action.RESET ? Action.RESET : Action.KEEP;
      if (again.action(t.name()) != expected) {
        throw new IllegalStateException(
            "the generated policy reads back with " + t.name() + " as " + again.action(t.name()));
      }
    }
    List<Hazard> hazards;
    if (plan.isSubset()) {
      SubsetDraft.checkReadBack(catalog, plan.subset().selection(), readBack);
      // with where:, a table in neither list is only one the selection may reach: the live
      // plan's hazards are what plan --policy will say
      hazards = plan.hazards();
    } else {
      hazards = HazardCheck.check(catalog, readBack, again).hazards();
    }
    return new Draft(
        yaml,
        plan.tables().size(),
        keep.stream().map(PlannedTable::name).toList(),
        reset.stream().map(PlannedTable::name).toList(),
        hazards,
        readBack);
  }

  private static void header(StringBuilder out, ResetPlan plan, boolean nothingGiven) {
    out.append("# Policy for the database ")
        .append(printable(Identifiers.display(plan.database())))
        .append(", written by prod-data-reset policy init ")
        .append(ToolVersion.get())
        .append(".\n");
    if (plan.isSubset()) {
      out.append("# Every table of the schema the where: selection does not reach now is listed\n")
          .append("# under keep: (the selection must never reach it) or reset: (emptied whole).\n");
    } else {
      out.append("# Every table of the schema is listed under keep: or reset:, so a table added\n")
          .append("# later is refused as unclassified (the policy is stale) until it is listed.\n");
    }
    if (nothingGiven) {
      out.append("# No --keep or --reset was given: every table is kept. Move the tables to\n")
          .append("# reset under reset:.\n");
    }
    out.append("# Migration-history tables are kept. Check the policy with:\n")
        .append("#   prod-data-reset plan --policy FILE\n");
    out.append("# Each comment: rows ")
        .append(plan.exactRows() ? "(exact count)" : "(planner's estimate)")
        .append(", size on disk, the foreign keys to and from other tables.\n");
  }

  static void list(
      StringBuilder out, String key, List<PlannedTable> tables, ResetPlan plan, boolean qualify) {
    if (tables.isEmpty()) {
      out.append(key).append(": []\n");
      return;
    }
    out.append(key).append(":\n");
    for (PlannedTable t : tables) {
      out.append("  # ").append(printable(comment(t, plan))).append('\n');
      out.append("  - ").append(yamlScalar(nameText(t.name(), qualify))).append('\n');
    }
  }

  static String comment(PlannedTable t, ResetPlan plan) {
    List<String> parts = new ArrayList<>();
    String rows =
        t.rows() < 0
            ? "rows unknown"
            : (t.rowsExact() ? "" : "~") + Counts.of(t.rows(), "row", "rows");
    parts.add(rows + ", " + Sizes.bytes(t.sizeBytes()));
    if (MigrationTables.isMigrationTable(t.name().name())) {
      parts.add("migration history");
    }
    Catalog catalog = plan.catalog();
    String references = keys(catalog.foreignKeysFrom(t.name()), true, t.name());
    if (!references.isEmpty()) {
      parts.add("references " + references);
    }
    String referencedBy = keys(catalog.foreignKeysTo(t.name()), false, t.name());
    if (!referencedBy.isEmpty()) {
      parts.add("referenced by " + referencedBy);
    }
    return String.join("; ", parts);
  }

  /** "users (owner_id), projects (project_id)": the other table and the referencing columns. */
  private static String keys(List<ForeignKey> keys, boolean outgoing, TableName self) {
    Map<TableName, Set<String>> byTable = new TreeMap<>();
    for (ForeignKey k : keys) {
      TableName other = outgoing ? k.parent() : k.child();
      byTable
          .computeIfAbsent(other, x -> new LinkedHashSet<>())
          .add(String.join(", ", k.childColumns().stream().map(Identifiers::display).toList()));
    }
    return byTable.entrySet().stream()
        .map(
            e ->
                (e.getKey().equals(self) ? "itself" : e.getKey().display())
                    + " ("
                    + String.join("; ", e.getValue())
                    + ")")
        .collect(Collectors.joining(", "));
  }

  /** The name as {@code --keep} reads it: bare, or schema-qualified when several are in scope. */
  static String nameText(TableName t, boolean qualify) {
    String name = Identifiers.display(t.name());
    return qualify ? Identifiers.display(t.schema()) + "." + name : name;
  }

  /**
   * {@code text} as a YAML scalar that reads back as that string: plain when YAML would read it as
   * a string anyway, otherwise double-quoted with escapes.
   */
  static String yamlScalar(String text) {
    if (PLAIN.matcher(text).matches()
        && !text.startsWith("\"")
        && Tag.STR.equals(new Resolver().resolve(NodeId.scalar, text, true))) {
      return text;
    }
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> {
          if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** Comment text on one line: control characters written as escapes. */
  static String printable(String text) {
    StringBuilder sb = new StringBuilder();
    text.codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                sb.append(String.format("\\u%04x", c));
              } else {
                sb.appendCodePoint(c);
              }
            });
    return sb.toString();
  }
}
