package io.proddatareset.connect.render;

import com.fasterxml.jackson.databind.JsonNode;

/** The shapes of the Render API's answers that the lookup reads, and nothing more of them. */
final class RenderJson {
  private RenderJson() {}

  /** An entry of the instance list, or an instance's detail: only what the lookup needs. */
  record Instance(String id, String name) {}

  /** {@code {"id": ..., "name": ...}}; null when the node is no object or has no id. */
  static Instance instance(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    String id = text(node, "id");
    String name = text(node, "name");
    if (id == null || id.isBlank()) {
      return null;
    }
    return new Instance(id, name == null ? "" : name);
  }

  /** A field's value as text; null when it is missing or JSON null. */
  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
