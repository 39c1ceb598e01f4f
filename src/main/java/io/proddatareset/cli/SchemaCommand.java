package io.proddatareset.cli;

import io.proddatareset.plan.PlanOptions;
import io.proddatareset.plan.PlanService;
import io.proddatareset.plan.Policy;
import io.proddatareset.plan.ResetPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code schema}: the foreign-key graph and the truncation order, for reading or for docs. */
@Command(
    name = "schema",
    description = {
      "Print the tables, their foreign keys and the truncation order (children before parents;"
          + " foreign-key cycles grouped) as text, Markdown, Mermaid or Graphviz DOT. Reads only.",
      "With --keep/--reset/--policy it also shows each table's action and orders only the tables"
          + " to reset; row counts are never shown, so the output is stable for docs.",
      "With --where it colours the tables the selection reaches: rows deleted, rows only updated"
          + " (Mermaid classes delete and update, distinct DOT fill colours), and orders the"
          + " tables with rows to delete."
    })
public class SchemaCommand extends IoCommand {
  /** Output formats. */
  public enum Format {
    TEXT,
    MARKDOWN,
    MERMAID,
    DOT
  }

  @Mixin TargetAndPolicy in;

  @Mixin RowSelectionOptions rows;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "text (default), markdown, mermaid or dot.")
  Format format = Format.TEXT;

  @Override
  public Integer call() {
    Policy p = rows.addTo(in.policy.policy());
    // estimates only: the schema view never counts rows
    ResetPlan plan = PlanService.plan(in.resolve(io), p, PlanOptions.estimates());
    SchemaView view = SchemaView.of(plan);
    String text =
        switch (format) {
          case TEXT -> SchemaRenderer.text(view);
          case MARKDOWN -> SchemaRenderer.markdown(view);
          case MERMAID -> SchemaRenderer.mermaid(view);
          case DOT -> SchemaRenderer.dot(view);
        };
    io.out().print(text);
    io.out().flush();
    return 0;
  }
}
