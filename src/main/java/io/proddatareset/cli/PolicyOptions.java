package io.proddatareset.cli;

import io.proddatareset.plan.Policy;
import io.proddatareset.plan.PolicyFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Which tables to reset and keep: shared by every command that works from a plan. */
public class PolicyOptions {
  @Option(
      names = "--schema",
      paramLabel = "LIST",
      description =
          "Schemas to work in, comma-separated or repeated (default: public). Names are exact;"
              + " quote one that contains a comma or a dot.")
  List<String> schemas = new ArrayList<>();

  @Option(
      names = "--keep",
      paramLabel = "LIST",
      description =
          "Tables to keep, comma-separated or repeated: users,api_keys or app.\"Audit Log\"."
              + " Names match exactly (Genre and \"Genre\" both name \"Genre\"). With only --keep,"
              + " every other table in the schemas is reset.")
  List<String> keep = new ArrayList<>();

  @Option(
      names = "--reset",
      paramLabel = "LIST",
      description =
          "Tables to reset, comma-separated or repeated. With only --reset, every other table is"
              + " kept; with --keep too, every table must be in one of the lists. Migration-history"
              + " tables (schema_migrations, flyway_schema_history, ...) are kept unless named here.")
  List<String> reset = new ArrayList<>();

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description =
          "YAML file with the keys schema, keep and reset (lists or comma-separated strings);"
              + " names given as options are added to it. For a reset of rows also where (a"
              + " mapping TABLE: CONDITION), references (a list) and tenant-key, read where a"
              + " command takes --where.")
  Path policyFile;

  @Option(
      names = "--estimate",
      description =
          "Use the planner's row estimates instead of exact counts (fast on very large tables);"
              + " the output says so.")
  boolean estimate;

  /** The policy from the file (if any) with the option values added. */
  public Policy policy() {
    Policy fromOptions = Policy.of(schemas, keep, reset);
    if (policyFile == null) {
      return fromOptions;
    }
    return PolicyFile.read(policyFile).plus(fromOptions, !schemas.isEmpty());
  }

  public boolean estimate() {
    return estimate;
  }

  /**
   * The options as they were given, unquoted, to repeat them in a command the tool prints: the
   * policy file by its absolute path, each list value as it came. Null when one of them cannot be
   * shown on one line (it holds a line break or another control character).
   */
  List<String> asGiven() {
    List<String> args = new ArrayList<>();
    if (policyFile != null) {
      args.add("--policy");
      args.add(policyFile.toAbsolutePath().normalize().toString());
    }
    schemas.forEach(v -> args.addAll(List.of("--schema", v)));
    keep.forEach(v -> args.addAll(List.of("--keep", v)));
    reset.forEach(v -> args.addAll(List.of("--reset", v)));
    if (estimate) {
      args.add("--estimate");
    }
    return args.stream().anyMatch(a -> a.chars().anyMatch(Character::isISOControl)) ? null : args;
  }
}
