package io.proddatareset.plan;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.proddatareset.ExitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads a policy from a YAML file with the keys of the options: {@code schema} (or {@code
 * schemas}), {@code keep}, {@code reset}. Each value is a list or a comma-separated string.
 *
 * <pre>
 * schema: public
 * keep: [users, api_keys]
 * reset:
 *   - projects
 *   - '"Audit Log"'
 * </pre>
 */
public final class PolicyFile {
  private static final Set<String> KEYS = Set.of("schema", "schemas", "keep", "reset");

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
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (JacksonException e) {
      throw ExitException.usage(
          "The policy file " + name + " is not valid YAML: " + e.getOriginalMessage() + ".");
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw ExitException.usage("The policy file " + name + " is empty.");
    }
    if (!root.isObject()) {
      throw ExitException.usage(
          "The policy file " + name + " must be a mapping with the keys schema, keep and reset.");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        throw ExitException.usage(
            "Unknown key '" + key + "' in the policy file " + name + ": use schema, keep, reset.");
      }
    }
    List<String> schemas = new ArrayList<>(values(root, "schema", name));
    schemas.addAll(values(root, "schemas", name));
    Policy p = Policy.of(schemas, values(root, "keep", name), values(root, "reset", name));
    return new Policy(p.schemas(), p.keep(), p.reset(), "policy file " + name);
  }

  private static List<String> values(JsonNode root, String key, String name) {
    JsonNode node = root.get(key);
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (node.isArray()) {
      for (JsonNode item : node) {
        if (!item.isValueNode() || item.isNull()) {
          throw ExitException.usage(
              "'" + key + "' in the policy file " + name + " must list names.");
        }
        out.add(item.asText());
      }
    } else if (node.isValueNode()) {
      out.add(node.asText());
    } else {
      throw ExitException.usage(
          "'"
              + key
              + "' in the policy file "
              + name
              + " must be a list or a comma-separated string.");
    }
    return out;
  }
}
