package io.proddatareset.connect.render;

import io.proddatareset.connect.ConnectionTarget;
import java.util.ArrayList;
import java.util.List;

/**
 * A Render Postgres instance found through the Render API, with the target to connect to. Its
 * {@link #toString()} shows the target without the password.
 *
 * @param id Render's id of the instance, e.g. {@code dpg-abc123-a}
 * @param name the instance's name in the Render dashboard
 * @param internal true when the target is the internal connection string (Render's private network)
 * @param target the parsed connection string, TLS default applied
 * @param region e.g. {@code oregon}; null when the API leaves it out
 * @param plan e.g. {@code basic_256mb}; null when the API leaves it out
 * @param dashboardUrl the instance's page in the Render dashboard; null when the API leaves it out
 * @param recoveryStatus Render's point-in-time-recovery status ({@code AVAILABLE}, {@code
 *     BACKUP_NOT_READY}, {@code NOT_AVAILABLE}); null when the API does not report it
 * @param recoveryStartsAt the earliest point in time it can recover to; null when not reported
 */
public record RenderDatabase(
    String id,
    String name,
    boolean internal,
    ConnectionTarget target,
    String region,
    String plan,
    String dashboardUrl,
    String recoveryStatus,
    String recoveryStartsAt) {

  /** One line for people: {@code Render Postgres 'name' (dpg-...): postgresql://user@host/db}. */
  public String describe() {
    return "Render Postgres '"
        + name
        + "' ("
        + id
        + (internal ? ", internal" : "")
        + "): "
        + target.display();
  }

  /**
   * What the person confirming should see of the instance, one line each: {@code Render Postgres
   * 'pm-db' (dpg-...)}, region and plan, the dashboard URL, the recovery status.
   */
  public List<String> details() {
    List<String> lines = new ArrayList<>();
    lines.add("Render Postgres '" + name + "' (" + id + (internal ? ", internal" : "") + ")");
    lines.add(
        "  region "
            + (region == null ? "not reported" : region)
            + ", plan "
            + (plan == null ? "not reported" : plan));
    if (dashboardUrl != null) {
      lines.add("  dashboard " + dashboardUrl);
    }
    lines.add("  point-in-time recovery: " + recovery());
    return lines;
  }

  /** {@code AVAILABLE (from 2026-...)}, {@code BACKUP_NOT_READY}, or {@code not reported}. */
  public String recovery() {
    if (recoveryStatus == null) {
      return "not reported";
    }
    return recoveryStatus + (recoveryStartsAt == null ? "" : " (from " + recoveryStartsAt + ")");
  }

  @Override
  public String toString() {
    return describe();
  }
}
