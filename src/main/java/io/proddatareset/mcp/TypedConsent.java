package io.proddatareset.mcp;

import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import java.util.List;
import java.util.Map;

/**
 * The typed confirmation over MCP: the client program shows the user what will change and asks them
 * to type the database name (MCP elicitation). The answer comes from the client, so the consent
 * recorded names it ({@code clientInfo} name and version).
 */
final class TypedConsent {
  private TypedConsent() {}

  /**
   * @throws ExitException REFUSED when the client cannot ask its user (no elicitation capability)
   */
  static void requireElicitation(McpSyncServerExchange ex, String command) {
    McpSchema.ClientCapabilities caps = ex.getClientCapabilities();
    if (caps == null || caps.elicitation() == null) {
      throw ExitException.refused(
          "This MCP client cannot ask its user to confirm (it has no elicitation): ask the user"
              + " to run '"
              + command
              + "' with the same target and policy options in a terminal, where they type the"
              + " database name. Nothing was changed.");
    }
  }

  /**
   * Asks the user to type the database name and returns the consent to record.
   *
   * @throws ExitException CANCELLED when the user declines, cancels or types another name
   */
  static String ask(McpSyncServerExchange ex, ToolServer.Confirmable change, String action) {
    String database = change.database();
    Map<String, Object> schema =
        Map.of(
            "type",
            "object",
            "properties",
            Map.of(
                "database",
                Map.of(
                    "type",
                    "string",
                    "title",
                    "Database name",
                    "description",
                    "Type " + database + " to " + action + ".")),
            "required",
            List.of("database"));
    ElicitResult answer =
        ex.createElicitation(
            McpSchema.ElicitRequest.builder(
                    change.summary()
                        + "\n\nTo "
                        + action
                        + ", type the database name ("
                        + database
                        + ").",
                    schema)
                .build());
    if (answer.action() != ElicitResult.Action.ACCEPT) {
      throw new ExitException(
          ExitStatus.CANCELLED,
          "Cancelled: the user "
              + (answer.action() == ElicitResult.Action.DECLINE ? "declined" : "cancelled")
              + " at the confirmation. Nothing was changed.");
    }
    Object typed = answer.content() == null ? null : answer.content().get("database");
    String name = typed == null ? null : typed.toString().strip();
    if (!database.equals(name)) {
      throw new ExitException(
          ExitStatus.CANCELLED,
          "Cancelled: "
              + (name == null || name.isEmpty() ? "no name was typed" : "'" + name + "'")
              + " is not '"
              + database
              + "'. Nothing was changed.");
    }
    return "Typed the database name '"
        + database
        + "' when asked through MCP elicitation by the client "
        + client(ex.getClientInfo());
  }

  private static String client(McpSchema.Implementation info) {
    if (info == null) {
      return "(unnamed)";
    }
    return clean(info.name()) + " " + clean(info.version());
  }

  // the client names itself: keep the audit record one plain line
  private static String clean(String s) {
    if (s == null || s.isBlank()) {
      return "(none)";
    }
    String c = s.replaceAll("[^A-Za-z0-9 ._@/+-]", "").strip();
    return c.length() > 60 ? c.substring(0, 60) : c;
  }
}
