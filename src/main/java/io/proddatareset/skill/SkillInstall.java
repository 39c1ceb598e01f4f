package io.proddatareset.skill;

import io.proddatareset.ExitException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the agent skill into an app's repository: {@code SKILL.md} (the tool's own, packaged in
 * the jar, with every command naming the installed tool), {@code references/schema-tables.md}, and
 * the policy when there is one, plus {@value #RECORD}: the SHA-256 of each file as written, in
 * {@code sha256sum} format.
 *
 * <p>A file that is there already is replaced only when it is what the last install wrote (its
 * digest is in the record) or with {@code force}: a skill or policy someone changed by hand is
 * never overwritten silently. Nothing is written unless every file may be.
 */
public final class SkillInstall {
  /** The install record's file name, in the skill's directory. */
  public static final String RECORD = ".prod-data-reset.sha256";

  /** The policy's file name, in the skill's directory. */
  public static final String POLICY = "policy.yaml";

  static final String SKILL = "SKILL.md";
  static final String REFERENCE = "references/schema-tables.md";
  private static final String RESOURCES = "/io/proddatareset/skill/";

  // the packaged skill's own words for the tool and its example policy
  private static final String CHECKOUT_COMMAND = "./prod-data-reset";
  private static final String EXAMPLE_POLICY = "examples/pm-agent.policy.yaml";

  /**
   * What to install.
   *
   * @param command how the skill runs the tool (see {@link InstalledTool})
   * @param policyPath how the skill names the policy file: its path from where the agent works
   * @param policyYaml the policy file's content, or null for none
   * @param schemaTables the schema reference's content, or null for the packaged one (the PM Agent
   *     schema's)
   * @param renderName the Render instance the install was given ({@code --render-postgres}), which
   *     the skill's commands then name instead of the seed's {@code pm-db}; null to keep that
   */
  public record Contents(
      String command,
      String policyPath,
      String policyYaml,
      String schemaTables,
      String renderName) {}

  /** The seed's Render instance name, which the packaged skill's commands use. */
  private static final String SEED_RENDER_NAME = "pm-db";

  /**
   * What an install did.
   *
   * @param written the files written (new or replaced), relative to the skill's directory
   * @param unchanged the files that already held what would have been written
   */
  public record Result(Path dir, List<String> written, List<String> unchanged) {
    public Result {
      written = List.copyOf(written);
      unchanged = List.copyOf(unchanged);
    }
  }

  private SkillInstall() {}

  /** The packaged SKILL.md, as it is in the tool's repository. */
  public static String packagedSkill() {
    return resource(SKILL);
  }

  /**
   * Installs into {@code dir} (created if missing).
   *
   * @throws ExitException USAGE when a file there was changed since it was installed (or was not
   *     installed by this tool) and {@code force} is false, or when a file cannot be written
   */
  public static Result install(Path dir, Contents contents, boolean force) {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(SKILL, skill(contents));
    files.put(
        REFERENCE, contents.schemaTables() != null ? contents.schemaTables() : resource(REFERENCE));
    if (contents.policyYaml() != null) {
      files.put(POLICY, contents.policyYaml());
    }
    Map<String, String> recorded = readRecord(dir.resolve(RECORD));
    List<String> written = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path file = dir.resolve(f.getKey());
      String now = read(file);
      if (now == null) {
        written.add(f.getKey());
      } else if (now.equals(f.getValue())) {
        unchanged.add(f.getKey());
      } else if (sha256(now).equals(recorded.get(f.getKey())) || force) {
        written.add(f.getKey());
      } else {
        changed.add(f.getKey());
      }
    }
    if (!changed.isEmpty()) {
      throw ExitException.usage(
          "The skill in "
              + dir
              + " has changes that an install would overwrite ("
              + String.join(", ", changed)
              + ": not as the last skill install wrote them); nothing was written: look at them,"
              + " then run again with --force to replace them.");
    }
    StringBuilder record = new StringBuilder();
    files.forEach(
        (name, text) -> record.append(sha256(text)).append("  ").append(name).append('\n'));
    try {
      for (String name : written) {
        write(dir.resolve(name), files.get(name));
      }
      write(dir.resolve(RECORD), record.toString());
    } catch (IOException e) {
      throw ExitException.usage("Cannot write the skill into " + dir + ": " + e.getMessage() + ".");
    }
    return new Result(dir, written, unchanged);
  }

  /** The packaged SKILL.md with every command naming the installed tool and policy. */
  static String skill(Contents c) {
    String text = packagedSkill();
    text = replaceBullet(text, "- It lives in the prod-data-reset repository", toolBullet(c));
    text = replaceBullet(text, "- `" + CHECKOUT_COMMAND + "` is the launcher", "");
    text = text.replace(CHECKOUT_COMMAND, c.command());
    text = text.replace(EXAMPLE_POLICY, c.policyPath());
    if (c.renderName() != null && c.renderName().matches("[A-Za-z0-9._-]+")) {
      text = text.replace(SEED_RENDER_NAME, c.renderName());
    }
    return text;
  }

  private static String toolBullet(Contents c) {
    String bullet =
        "- The tool is installed on this machine; every command below runs it as `"
            + c.command()
            + "`, from the root of this repository. It needs a JDK 17 or newer (`java -version`).\n";
    if (c.policyYaml() == null) {
      bullet +=
          "- The policy `"
              + c.policyPath()
              + "` was not installed with this skill: before Step 2, ask the user which tables to"
              + " keep and have them write it with `"
              + c.command()
              + " policy init --keep <tables> --output "
              + c.policyPath()
              + "`, then review it.\n";
    }
    return bullet;
  }

  /**
   * {@code text} with the list item that starts with {@code start} (and its continuation lines).
   */
  private static String replaceBullet(String text, String start, String replacement) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(start) + ".*\\n(?:  .*\\n)*").matcher(text);
    return m.find() ? text.substring(0, m.start()) + replacement + text.substring(m.end()) : text;
  }

  private static String resource(String name) {
    try (InputStream in = SkillInstall.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("the jar holds no " + RESOURCES + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + RESOURCES + name, e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      // unreadable or not UTF-8: it differs from what would be written
      return "";
    }
  }

  private static Map<String, String> readRecord(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    String text = read(file);
    if (text == null) {
      return out;
    }
    for (String line : text.split("\n")) {
      int sep = line.indexOf("  ");
      if (sep == 64) {
        out.put(line.substring(sep + 2), line.substring(0, sep));
      }
    }
    return out;
  }

  // written beside, then moved over the file: a failed install leaves no half-written file
  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
