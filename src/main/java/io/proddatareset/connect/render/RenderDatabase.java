package io.proddatareset.connect.render;

import io.proddatareset.connect.ConnectionTarget;

/**
 * A Render Postgres instance found through the Render API, with the target to connect to. Its
 * {@link #toString()} shows the target without the password.
 *
 * @param id Render's id of the instance, e.g. {@code dpg-abc123-a}
 * @param name the instance's name in the Render dashboard
 * @param internal true when the target is the internal connection string (Render's private network)
 * @param target the parsed connection string, TLS default applied
 */
public record RenderDatabase(String id, String name, boolean internal, ConnectionTarget target) {

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

  @Override
  public String toString() {
    return describe();
  }
}
