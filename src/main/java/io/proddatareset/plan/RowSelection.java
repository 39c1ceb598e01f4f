package io.proddatareset.plan;

import io.proddatareset.ExitException;
import io.proddatareset.catalog.Catalog;
import io.proddatareset.catalog.Column;
import io.proddatareset.catalog.ForeignKey;
import io.proddatareset.catalog.KeyDetails;
import io.proddatareset.catalog.Table;
import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import io.proddatareset.pg.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rows a subset reset starts from, resolved against a catalog: the {@code --where 'TABLE:
 * CONDITION'} selections, the virtual references given with {@code --reference 'CHILD(col, ...) ->
 * PARENT(col, ...)'}, and those implied by {@code --tenant-key COLUMN}.
 *
 * <p>Table names resolve exactly as in {@code --keep} (a typo is refused with a suggestion); column
 * names are taken as written, like table names (double quotes only delimit). Every mistake is a
 * usage error (exit 2), all reported at once. A condition is only checked here for what can be seen
 * without the server (see {@link ConditionCheck#lex}); {@link ConditionCheck#check} asks the
 * server.
 *
 * @param conditions the selections, in the order given
 * @param references the virtual references: those given, then those of the tenant key
 * @param tenantKey the {@code --tenant-key} column, or null
 */
public record RowSelection(
    List<Condition> conditions, List<VirtualReference> references, String tenantKey) {

  public RowSelection {
    conditions = List.copyOf(conditions);
    references = List.copyOf(references);
  }

  /**
   * The rows of {@code table} matching {@code sql}.
   *
   * @param text the option value as given, for messages and the plan id
   * @param everyRow the table is named in --reset and so selected whole ({@code sql} is {@code
   *     true}), not by a --where of the user's
   */
  public record Condition(TableName table, String sql, String text, boolean everyRow) {}

  /**
   * Whether {@code table} is selected whole, being named in --reset ({@link Condition#everyRow}).
   */
  public boolean everyRow(TableName table) {
    return conditions.stream().anyMatch(c -> c.everyRow() && c.table().equals(table));
  }

  /**
   * A reference the schema does not declare, followed like a {@code NO ACTION} foreign key.
   *
   * @param origin what gave it: {@code --reference ...} or {@code --tenant-key COLUMN}
   */
  public record VirtualReference(
      TableName child,
      List<String> childColumns,
      TableName parent,
      List<String> parentColumns,
      String origin) {
    public VirtualReference {
      childColumns = List.copyOf(childColumns);
      parentColumns = List.copyOf(parentColumns);
    }

    /** {@code public.invoices(organization_id) -> public.organizations(id)}. */
    public String display() {
      return display(child, childColumns, parent, parentColumns);
    }

    static String display(
        TableName child, List<String> childColumns, TableName parent, List<String> parentColumns) {
      return child.display()
          + "("
          + columns(childColumns)
          + ") -> "
          + parent.display()
          + "("
          + columns(parentColumns)
          + ")";
    }

    private static String columns(List<String> names) {
      return String.join(", ", names.stream().map(Identifiers::display).toList());
    }
  }

  /** A {@code --where} value split into its table name and its condition. */
  record ParsedWhere(QualifiedName table, String condition) {}

  /** A {@code --reference} value split into its parts, names not yet resolved. */
  record ParsedReference(
      QualifiedName child,
      List<String> childColumns,
      QualifiedName parent,
      List<String> parentColumns) {}

  /** No selection: a whole-table reset. */
  public static RowSelection none() {
    return new RowSelection(List.of(), List.of(), null);
  }

  public boolean isEmpty() {
    return conditions.isEmpty();
  }

  /**
   * Resolves the option values against {@code catalog}.
   *
   * @param where the {@code --where} values
   * @param references the {@code --reference} values
   * @param tenantKey the {@code --tenant-key} column, or null
   * @throws ExitException USAGE naming every value that cannot be read or resolved
   */
  public static RowSelection resolve(
      Catalog catalog,
      KeyDetails keys,
      List<String> where,
      List<String> references,
      String tenantKey) {
    List<String> errors = new ArrayList<>();
    List<Condition> conditions = new ArrayList<>();
    for (String text : where) {
      ParsedWhere parsed;
      try {
        parsed = parseWhere(text);
      } catch (ExitException e) {
        errors.add(e.getMessage());
        continue;
      }
      Classifier.resolve(catalog, parsed.table(), "--where " + quoted(text), errors)
          .ifPresent(t -> conditions.add(new Condition(t, parsed.condition(), text, false)));
    }
    List<VirtualReference> virtual = new ArrayList<>();
    for (String text : references) {
      resolveReference(catalog, text, errors).ifPresent(virtual::add);
    }
    if (tenantKey != null && errors.isEmpty()) {
      virtual.addAll(tenantReferences(catalog, keys, conditions, tenantKey, errors));
    }
    if (!errors.isEmpty()) {
      throw ExitException.usage(String.join("; ", errors) + ".");
    }
    return new RowSelection(conditions, virtual, tenantKey);
  }

  private static String quoted(String text) {
    return "'" + text + "'";
  }

  /**
   * Splits {@code TABLE: CONDITION} at the first colon outside a double-quoted name, and checks the
   * condition's text with {@link ConditionCheck#lex}.
   */
  static ParsedWhere parseWhere(String text) {
    int colon = -1;
    boolean inQuotes = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        inQuotes = !inQuotes;
      } else if (c == ':' && !inQuotes) {
        colon = i;
        break;
      }
    }
    if (colon < 0) {
      throw ExitException.usage(
          "Cannot read --where "
              + quoted(text)
              + ": write it as 'TABLE: CONDITION', for example 'users: email LIKE ''%@test.com'''");
    }
    QualifiedName table;
    try {
      table = QualifiedName.parse(text.substring(0, colon));
    } catch (ExitException e) {
      throw ExitException.usage(
          "Cannot read --where " + quoted(text) + ": " + ExitException.firstLine(e.getMessage()));
    }
    String condition = text.substring(colon + 1).strip();
    if (condition.isEmpty()) {
      throw ExitException.usage(
          "Cannot read --where " + quoted(text) + ": the condition after the colon is empty");
    }
    ConditionCheck.lex(condition)
        .ifPresent(
            why -> {
              throw ExitException.usage("Cannot use --where " + quoted(text) + ": " + why);
            });
    return new ParsedWhere(table, condition);
  }

  /** Reads {@code CHILD(col, ...) -> PARENT(col, ...)}. */
  static ParsedReference parseReference(String text) {
    int arrow = indexOutsideQuotes(text, "->", 0);
    if (arrow < 0) {
      throw badReference(text, "no '->' between the two tables");
    }
    Side child = side(text, text.substring(0, arrow));
    Side parent = side(text, text.substring(arrow + 2));
    if (child.columns().size() != parent.columns().size()) {
      throw badReference(
          text,
          "it names "
              + child.columns().size()
              + " column(s) on the left and "
              + parent.columns().size()
              + " on the right");
    }
    return new ParsedReference(child.table(), child.columns(), parent.table(), parent.columns());
  }

  private record Side(QualifiedName table, List<String> columns) {}

  private static Side side(String text, String part) {
    String s = part.strip();
    int open = indexOutsideQuotes(s, "(", 0);
    if (open < 0 || !s.endsWith(")")) {
      throw badReference(text, "write each side as TABLE(column, ...)");
    }
    QualifiedName table;
    try {
      table = QualifiedName.parse(s.substring(0, open));
    } catch (ExitException e) {
      throw badReference(text, ExitException.firstLine(e.getMessage()));
    }
    String inside = s.substring(open + 1, s.length() - 1);
    List<String> columns = new ArrayList<>();
    int start = 0;
    while (true) {
      int comma = indexOutsideQuotes(inside, ",", start);
      String item = (comma < 0 ? inside.substring(start) : inside.substring(start, comma)).strip();
      columns.add(columnName(text, item));
      if (comma < 0) {
        break;
      }
      start = comma + 1;
    }
    return new Side(table, columns);
  }

  private static String columnName(String text, String item) {
    if (item.isEmpty()) {
      throw badReference(text, "an empty column name");
    }
    if (item.startsWith("\"")) {
      if (item.length() < 2 || !item.endsWith("\"")) {
        throw badReference(text, "unterminated double quote in " + item);
      }
      String inner = item.substring(1, item.length() - 1);
      if (inner.replace("\"\"", "").contains("\"") || inner.isEmpty()) {
        throw badReference(text, "cannot read the column name " + item);
      }
      return inner.replace("\"\"", "\"");
    }
    if (item.contains("\"") || item.contains("(") || item.contains(")") || item.contains(" ")) {
      throw badReference(text, "cannot read the column name " + item + " (quote it)");
    }
    return item;
  }

  /** The index of {@code token} at or after {@code from} outside double quotes, or -1. */
  private static int indexOutsideQuotes(String s, String token, int from) {
    boolean inQuotes = false;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        inQuotes = !inQuotes;
      } else if (!inQuotes && s.startsWith(token, i)) {
        return i;
      }
    }
    return -1;
  }

  private static ExitException badReference(String text, String why) {
    return ExitException.usage(
        "Cannot read --reference "
            + quoted(text)
            + ": "
            + why
            + "; write it as 'CHILD(column, ...) -> PARENT(column, ...)'");
  }

  private static Optional<VirtualReference> resolveReference(
      Catalog catalog, String text, List<String> errors) {
    ParsedReference parsed;
    try {
      parsed = parseReference(text);
    } catch (ExitException e) {
      errors.add(ExitException.firstLine(e.getMessage()));
      return Optional.empty();
    }
    String entry = "--reference " + quoted(text);
    int before = errors.size();
    Optional<TableName> child = Classifier.resolve(catalog, parsed.child(), entry, errors);
    Optional<TableName> parent = Classifier.resolve(catalog, parsed.parent(), entry, errors);
    if (child.isEmpty() || parent.isEmpty()) {
      return Optional.empty();
    }
    Table childTable = catalog.table(child.get()).orElseThrow();
    Table parentTable = catalog.table(parent.get()).orElseThrow();
    List<String> childTypes = types(childTable, parsed.childColumns(), entry, errors);
    List<String> parentTypes = types(parentTable, parsed.parentColumns(), entry, errors);
    if (errors.size() > before) {
      return Optional.empty();
    }
    if (!childTypes.equals(parentTypes)) {
      errors.add(
          entry
              + ": the columns' types differ ("
              + String.join(", ", childTypes)
              + " against "
              + String.join(", ", parentTypes)
              + ")");
      return Optional.empty();
    }
    return Optional.of(
        new VirtualReference(
            child.get(), parsed.childColumns(), parent.get(), parsed.parentColumns(), entry));
  }

  /** The types of {@code names} in {@code table}, an error for each column it does not have. */
  private static List<String> types(
      Table table, List<String> names, String entry, List<String> errors) {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      Optional<Column> column =
          table.columns().stream().filter(c -> c.name().equals(name)).findFirst();
      if (column.isPresent()) {
        out.add(column.get().type());
        continue;
      }
      String hint =
          Suggestions.closest(name, table.columns().stream().map(Column::name).toList())
              .map(s -> ": did you mean " + Identifiers.display(s) + "?")
              .orElse("");
      errors.add(
          entry
              + ": "
              + table.name().display()
              + " has no column "
              + Identifiers.display(name)
              + hint);
    }
    return out;
  }

  /**
   * The tenant key as virtual references: from every table in scope with a column named {@code
   * column} (other than the selected table itself) to the selected table's one-column primary key,
   * unless a declared foreign key already says so.
   */
  private static List<VirtualReference> tenantReferences(
      Catalog catalog,
      KeyDetails keys,
      List<Condition> conditions,
      String column,
      List<String> errors) {
    String option = "--tenant-key " + column;
    List<TableName> selected = conditions.stream().map(Condition::table).distinct().toList();
    if (selected.size() != 1) {
      errors.add(
          option
              + " needs exactly one table in --where (the tenants' table), not "
              + selected.size());
      return List.of();
    }
    TableName tenants = selected.get(0);
    KeyDetails.TableKey key = keys.table(tenants).orElse(null);
    if (key == null || key.primaryKey().size() != 1) {
      errors.add(
          option
              + ": "
              + tenants.display()
              + " needs a one-column primary key to be the tenants' table; use --reference instead");
      return List.of();
    }
    String keyColumn = key.primaryKey().get(0);
    String keyType = key.primaryKeyTypes().get(0);
    List<VirtualReference> out = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    for (Table t : catalog.tables()) {
      if (t.name().equals(tenants)) {
        continue;
      }
      Optional<Column> c = t.columns().stream().filter(x -> x.name().equals(column)).findFirst();
      if (c.isEmpty()) {
        continue;
      }
      if (!c.get().type().equals(keyType)) {
        mismatched.add(
            t.name().display() + "." + Identifiers.display(column) + " is " + c.get().type());
        continue;
      }
      if (declared(catalog, t.name(), column, tenants, keyColumn)) {
        continue;
      }
      out.add(new VirtualReference(t.name(), List.of(column), tenants, List.of(keyColumn), option));
    }
    if (!mismatched.isEmpty()) {
      errors.add(
          option
              + ": "
              + tenants.display()
              + "."
              + Identifiers.display(keyColumn)
              + " is "
              + keyType
              + " but "
              + String.join(", ", mismatched)
              + "; name the other tables with --reference instead");
    } else if (out.isEmpty()
        && catalog.tables().stream()
            .noneMatch(
                t ->
                    !t.name().equals(tenants)
                        && t.columns().stream().anyMatch(x -> x.name().equals(column)))) {
      errors.add(option + ": no table in scope has a column " + Identifiers.display(column));
    }
    return out;
  }

  private static boolean declared(
      Catalog catalog, TableName child, String column, TableName parent, String parentColumn) {
    for (ForeignKey fk : catalog.foreignKeysFrom(child)) {
      if (fk.parent().equals(parent)
          && fk.childColumns().equals(List.of(column))
          && fk.parentColumns().equals(List.of(parentColumn))) {
        return true;
      }
    }
    return false;
  }
}
