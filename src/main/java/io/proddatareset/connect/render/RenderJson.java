package io.proddatareset.connect.render;

import com.fasterxml.jackson.databind.JsonNode;

/** The shapes of the Render API's answers that the lookup reads, and nothing more of them. */
final class RenderJson {
  private RenderJson() {}

  /**
   * An entry of the instance list, or an instance's detail: only what the lookup needs. Every field
   * but {@code id} and {@code name} may be null when the API leaves it out.
   *
   * @param role {@code primary} or {@code replica}
   * @param status e.g. {@code available}, {@code suspended}, {@code recovery_in_progress}
   * @param suspended {@code suspended} or {@code not_suspended}
   * @param ownerId the workspace that owns the instance ({@code owner.id})
   */
  record Instance(
      String id,
      String name,
      String role,
      String status,
      String suspended,
      String region,
      String plan,
      String dashboardUrl,
      String ownerId) {

    /** True unless the API says the instance is a replica (an older answer has no role). */
    boolean primary() {
      return role == null || role.equals("primary");
    }
  }

  /**
   * {@code {"id": ..., "name": ..., "role": ..., ...}}; null when the node is no object or has no
   * id.
   */
  static Instance instance(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    String id = text(node, "id");
    String name = text(node, "name");
    if (id == null || id.isBlank()) {
      return null;
    }
    JsonNode owner = node.get("owner");
    return new Instance(
        id,
        name == null ? "" : name,
        text(node, "role"),
        text(node, "status"),
        text(node, "suspended"),
        text(node, "region"),
        text(node, "plan"),
        text(node, "dashboardUrl"),
        owner == null || !owner.isObject() ? null : text(owner, "id"));
  }

  /**
   * Render's point-in-time-recovery status of an instance.
   *
   * @param status {@code AVAILABLE}, {@code BACKUP_NOT_READY} or {@code NOT_AVAILABLE}
   * @param startsAt the earliest point in time it can recover to, as the API writes it; may be null
   */
  record Recovery(String status, String startsAt) {}

  /** {@code {"recoveryStatus": ..., "startsAt": ...}}; null without a status. */
  static Recovery recovery(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    // shown and recorded as they are: only values of the documented kinds
    String status = text(node, "recoveryStatus");
    if (status == null || !status.matches("[A-Za-z_]{1,40}")) {
      return null;
    }
    String startsAt = text(node, "startsAt");
    return new Recovery(
        status, startsAt != null && startsAt.matches("[0-9T:.+Z-]{1,40}") ? startsAt : null);
  }

  /** A field's value as text; null when it is missing or JSON null. */
  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
