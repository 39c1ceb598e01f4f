package io.proddatareset.plan;

import io.proddatareset.ExitException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingEndEvent;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceEndEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.events.StreamEndEvent;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads a policy from a YAML file with the keys of the options: {@code schema} (or {@code
 * schemas}), {@code keep}, {@code reset}. Each value is a list of names or one string of
 * comma-separated names; {@code []} is an empty list, and a list that is given empty stays empty
 * ({@code reset: []} resets nothing, it does not fall back to "every table not kept").
 *
 * <pre>
 * schema: public
 * keep: [users, api_keys]
 * reset:
 *   - projects
 *   - '"Audit Log"'
 * </pre>
 *
 * <p>A subset reset adds the keys of {@code --where}, {@code --reference} and {@code --tenant-key}:
 * {@code where} is a mapping from table name to SQL condition, {@code references} a list (or one
 * string) of {@code CHILD(col, ...) -> PARENT(col, ...)}, {@code tenant-key} one column name.
 *
 * <pre>
 * where:
 *   projects: owner_id IN (SELECT id FROM users WHERE email LIKE '%@test.example')
 * references:
 *   - invoices(project_id) -> projects(id)
 * </pre>
 *
 * <p>The reader is strict, because a policy decides what is deleted: one YAML document holding one
 * mapping; each key at most once, and only those keys; no anchors, aliases or tags (a name must
 * read as what it is); every name a string (an unquoted {@code yes}, {@code 2024} or {@code ~} is
 * refused: quote it); no nested lists or mappings, no empty entries, no tabs. Every refusal is a
 * usage error (exit 2) naming the file and the line.
 */
public final class PolicyFile {
  private static final Set<String> KEYS =
      Set.of("schema", "schemas", "keep", "reset", "where", "references", "tenant-key");
  private static final String KEY_LIST = "schema, keep, reset, where, references, tenant-key";

  private PolicyFile() {}

  public static Policy read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw ExitException.usage("Policy file " + file + " does not exist.");
    } catch (IOException e) {
      throw ExitException.usage("Cannot read the policy file " + file + ": " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  static Policy parse(String yaml, String name) {
    return new Reader(yaml, name).policy();
  }

  /** One pass over the YAML events of one file. */
  private static final class Reader {
    private final String yaml;
    private final String name;
    private final Resolver resolver = new Resolver();
    private Iterator<Event> events;

    Reader(String yaml, String name) {
      this.yaml = yaml;
      this.name = name;
    }

    Policy policy() {
      refuseTabs();
      try {
        events = new Yaml().parse(new StringReader(yaml)).iterator();
        return read();
      } catch (MarkedYAMLException e) {
        int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
        throw bad(line, "not valid YAML: " + oneLine(e.getProblem()));
      } catch (YAMLException e) {
        throw ExitException.usage(
            "The policy file " + name + " is not valid YAML: " + oneLine(e.getMessage()) + ".");
      }
    }

    private void refuseTabs() {
      int line = 1;
      for (int i = 0; i < yaml.length(); i++) {
        char c = yaml.charAt(i);
        if (c == '\t') {
          throw bad(line, "a tab character: indent with spaces (YAML does not allow tabs there)");
        }
        if (c == '\n') {
          line++;
        }
      }
    }

    private Policy read() {
      next(); // stream start
      Event e = next();
      if (e instanceof StreamEndEvent) {
        throw ExitException.usage("The policy file " + name + " is empty.");
      }
      Event root = next(); // after the document start
      if (root instanceof ScalarEvent s && s.isPlain() && s.getValue().isEmpty()) {
        throw ExitException.usage("The policy file " + name + " is empty.");
      }
      refuseAnchors(root);
      if (!(root instanceof MappingStartEvent)) {
        throw bad(line(root), "the file must be a mapping with the keys " + KEY_LIST);
      }
      Map<String, Integer> seen = new HashMap<>();
      List<String> schemas = new ArrayList<>();
      Map<String, List<String>> lists = new HashMap<>();
      List<String> where = new ArrayList<>();
      List<String> references = new ArrayList<>();
      String tenantKey = null;
      while (true) {
        Event k = next();
        if (k instanceof MappingEndEvent) {
          break;
        }
        refuseAnchors(k);
        if (!(k instanceof ScalarEvent key)) {
          throw bad(line(k), "a key must be one of " + KEY_LIST);
        }
        String keyName = key.getValue();
        if (!KEYS.contains(keyName)) {
          throw bad(line(k), "unknown key '" + keyName + "': use " + KEY_LIST);
        }
        String canonical = keyName.equals("schemas") ? "schema" : keyName;
        Integer first = seen.putIfAbsent(canonical, line(k));
        if (first != null) {
          throw bad(
              line(k),
              "'"
                  + keyName
                  + "' is given a second time (first at line "
                  + first
                  + (canonical.equals(keyName) ? "" : ", as 'schema'")
                  + "): give each key once");
        }
        if (keyName.equals("where")) {
          where.addAll(conditions());
          continue;
        }
        if (keyName.equals("references")) {
          references.addAll(references());
          continue;
        }
        if (keyName.equals("tenant-key")) {
          tenantKey = single(keyName);
          continue;
        }
        List<String> values = values(keyName);
        if (canonical.equals("schema")) {
          schemas.addAll(values);
        } else {
          lists.put(canonical, values);
        }
      }
      Event end = next(); // document end
      Event after = next();
      if (!(after instanceof StreamEndEvent)) {
        throw bad(
            line(after instanceof DocumentStartEvent ? after : end),
            "a second YAML document: a policy file holds one (remove the '---' line and what"
                + " follows, or merge it into the first)");
      }
      if (schemas.isEmpty() && seen.containsKey("schema")) {
        throw bad(seen.get("schema"), "'schema' names no schema: name one, or leave the key out");
      }
      List<String> keep = lists.getOrDefault("keep", List.of());
      List<String> reset = lists.getOrDefault("reset", List.of());
      Policy p = Policy.of(schemas, keep, reset);
      return new Policy(
          p.schemas(),
          p.keep(),
          p.reset(),
          "policy file " + name,
          new Policy.FromFile(
              name, p.keep(), p.reset(), lists.containsKey("keep"), lists.containsKey("reset")),
          new Policy.Rows(where, references, tenantKey));
    }

    /**
     * The {@code where:} mapping as {@code TABLE: CONDITION} texts, the form of {@code --where}
     * (its table name is split off again at the first colon outside double quotes).
     */
    private List<String> conditions() {
      Event v = next();
      refuseAnchors(v);
      if (!(v instanceof MappingStartEvent)) {
        throw bad(
            line(v),
            "'where' must be a mapping from table to condition (where: {projects: 'id = 5'})");
      }
      List<String> out = new ArrayList<>();
      while (true) {
        Event k = next();
        if (k instanceof MappingEndEvent) {
          if (out.isEmpty()) {
            throw bad(line(v), "'where' names no table: give TABLE: CONDITION, or leave it out");
          }
          return out;
        }
        refuseAnchors(k);
        if (!(k instanceof ScalarEvent table) || isNull(table)) {
          throw bad(line(k), "a key of 'where' must be a table name");
        }
        String tableName = name(table, "where");
        Event c = next();
        refuseAnchors(c);
        if (!(c instanceof ScalarEvent condition) || isNull(condition)) {
          throw bad(
              line(c), "the condition of " + tableName + " in 'where' must be one string of SQL");
        }
        String text = name(condition, "where");
        if (text.isBlank()) {
          throw bad(line(c), "the condition of " + tableName + " in 'where' is blank");
        }
        out.add(tableName + ": " + text);
      }
    }

    /** The {@code references:} value: a list of strings or one string (never split at commas). */
    private List<String> references() {
      Event v = next();
      refuseAnchors(v);
      if (v instanceof ScalarEvent s && !isNull(s)) {
        return List.of(name(s, "references"));
      }
      if (!(v instanceof SequenceStartEvent)) {
        throw bad(
            line(v),
            "'references' must be a list of 'CHILD(column, ...) -> PARENT(column, ...)' strings");
      }
      List<String> out = new ArrayList<>();
      while (true) {
        Event e = next();
        if (e instanceof SequenceEndEvent) {
          return out;
        }
        refuseAnchors(e);
        if (!(e instanceof ScalarEvent s) || isNull(s) || s.getValue().isBlank()) {
          throw bad(
              line(e),
              "an item of 'references' is not a 'CHILD(column, ...) -> PARENT(column, ...)'"
                  + " string");
        }
        out.add(name(s, "references"));
      }
    }

    /** A key whose value is one string. */
    private String single(String key) {
      Event v = next();
      refuseAnchors(v);
      if (!(v instanceof ScalarEvent s) || isNull(s) || s.getValue().isBlank()) {
        throw bad(line(v), "'" + key + "' must be one column name");
      }
      return name(s, key);
    }

    /** The names of one key's value: a list of strings or one comma-separated string. */
    private List<String> values(String key) {
      Event v = next();
      refuseAnchors(v);
      List<String> out = new ArrayList<>();
      if (v instanceof ScalarEvent s) {
        if (isNull(s)) {
          throw bad(
              line(v),
              "'"
                  + key
                  + "' has no value: list the names ("
                  + key
                  + ": [a, b])"
                  + (key.startsWith("schema") ? "" : ", or write " + key + ": [] for none"));
        }
        String text = name(s, key);
        List<String> names = NameList.split(List.of(text));
        if (names.isEmpty()) {
          throw bad(
              line(v),
              "'"
                  + key
                  + "' is a blank string"
                  + (key.startsWith("schema")
                      ? ": name a schema"
                      : ": write " + key + ": [] for no table"));
        }
        out.addAll(names);
        return out;
      }
      if (v instanceof MappingStartEvent) {
        throw bad(line(v), "'" + key + "' must be a list of names, not a mapping");
      }
      int item = 0;
      while (true) {
        Event e = next();
        if (e instanceof SequenceEndEvent) {
          return out;
        }
        item++;
        refuseAnchors(e);
        if (e instanceof SequenceStartEvent) {
          throw bad(
              line(e), "item " + item + " of '" + key + "' is a nested list: list names only");
        }
        if (e instanceof MappingStartEvent) {
          throw bad(
              line(e),
              "item "
                  + item
                  + " of '"
                  + key
                  + "' is a mapping (a stray ':'?): list names only, quoted if they hold ': '");
        }
        ScalarEvent s = (ScalarEvent) e;
        if (isNull(s)) {
          throw bad(
              line(e), "item " + item + " of '" + key + "' is empty: remove it or name a table");
        }
        String text = name(s, key);
        if (text.isBlank()) {
          throw bad(
              line(e), "item " + item + " of '" + key + "' is blank: remove it or name a table");
        }
        out.add(text);
      }
    }

    /**
     * The text of a scalar that must be a name: plain scalars that YAML reads as other types are
     * refused.
     */
    private String name(ScalarEvent s, String key) {
      if (s.getTag() != null) {
        throw bad(line(s), "YAML tags (" + s.getTag() + ") are not allowed in a policy file");
      }
      if (s.isPlain()) {
        Tag tag = resolver.resolve(NodeId.scalar, s.getValue(), true);
        if (!Tag.STR.equals(tag)) {
          throw bad(
              line(s),
              "'"
                  + key
                  + "' has "
                  + s.getValue()
                  + ", which YAML reads as "
                  + typeName(tag)
                  + ", not a name: quote it ('"
                  + s.getValue().replace("'", "''")
                  + "') if it is one");
        }
      }
      return s.getValue();
    }

    private boolean isNull(ScalarEvent s) {
      return s.getTag() == null
          && s.isPlain()
          && Tag.NULL.equals(resolver.resolve(NodeId.scalar, s.getValue(), true));
    }

    private static String typeName(Tag tag) {
      if (Tag.BOOL.equals(tag)) {
        return "a boolean";
      }
      if (Tag.INT.equals(tag) || Tag.FLOAT.equals(tag)) {
        return "a number";
      }
      if (Tag.TIMESTAMP.equals(tag)) {
        return "a date";
      }
      return "a " + tag.getValue().replaceFirst("^tag:yaml.org,2002:", "").toLowerCase(Locale.ROOT);
    }

    private void refuseAnchors(Event e) {
      if (e instanceof AliasEvent a) {
        throw bad(
            line(e),
            "a YAML alias (*"
                + a.getAnchor()
                + "): aliases and anchors are not allowed in a policy file; write the names out");
      }
      if (e instanceof NodeEvent n && n.getAnchor() != null) {
        throw bad(
            line(e),
            "a YAML anchor (&"
                + n.getAnchor()
                + "): aliases and anchors are not allowed in a policy file; write the names out");
      }
      if (e instanceof CollectionStartEvent c && c.getTag() != null && !c.getImplicit()) {
        throw bad(line(e), "YAML tags (" + c.getTag() + ") are not allowed in a policy file");
      }
    }

    private Event next() {
      return events.next();
    }

    private static int line(Event e) {
      return e.getStartMark() == null ? 0 : e.getStartMark().getLine() + 1;
    }

    private ExitException bad(int line, String what) {
      return ExitException.usage(
          "Policy file " + name + (line > 0 ? ", line " + line : "") + ": " + what + ".");
    }

    private static String oneLine(String s) {
      return s == null ? "unreadable" : s.strip().replaceAll("\\s+", " ");
    }
  }
}
