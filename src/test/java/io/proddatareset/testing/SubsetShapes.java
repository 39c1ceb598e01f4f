package io.proddatareset.testing;

/** The schemas the row closure, the row reset and their backups are tested on, in one place. */
public final class SubsetShapes {
  private SubsetShapes() {}

  /**
   * A non-deferrable cycle (country and its capital), self-references with CASCADE and SET NULL, a
   * composite key, a partitioned table, another schema: with RESTRICT on the composite key (the
   * tool deletes those children itself).
   */
  public static final String SHAPES =
      """
      CREATE SCHEMA other;
      CREATE TABLE country (id int PRIMARY KEY, name text, capital_id int);
      CREATE TABLE city (id int PRIMARY KEY, country_id int NOT NULL REFERENCES country(id),
        name text);
      ALTER TABLE country ADD CONSTRAINT country_capital_fkey
        FOREIGN KEY (capital_id) REFERENCES city(id);
      CREATE TABLE person (id int PRIMARY KEY,
        country_id int REFERENCES country(id) ON DELETE CASCADE,
        city_id int REFERENCES city(id) ON DELETE SET NULL,
        manager_id int REFERENCES person(id) ON DELETE CASCADE,
        mentor_id int REFERENCES person(id) ON DELETE SET NULL);
      CREATE TABLE district (country_id int REFERENCES country(id) ON DELETE CASCADE,
        code int, name text, PRIMARY KEY (country_id, code));
      CREATE TABLE address (id int PRIMARY KEY, region int, district_code int, street text,
        FOREIGN KEY (region, district_code) REFERENCES district (country_id, code) ON DELETE RESTRICT);
      CREATE TABLE trip (id int, at date NOT NULL, person_id int REFERENCES person(id),
        city_id int) PARTITION BY RANGE (at);
      CREATE TABLE trip_2024 PARTITION OF trip FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE trip_2025 PARTITION OF trip FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      ALTER TABLE trip_2024 ADD CONSTRAINT trip_2024_city_fkey
        FOREIGN KEY (city_id) REFERENCES city(id);
      CREATE TABLE other.note (id int, person_id int REFERENCES public.person(id), body text);

      INSERT INTO country VALUES (1, 'one', NULL), (2, 'two', NULL), (3, 'three', NULL);
      INSERT INTO city VALUES (10, 1, 'ten'), (11, 1, 'eleven'), (13, 1, 'thirteen'),
        (20, 2, 'twenty'), (30, 3, 'thirty');
      -- country 3's capital is in country 1: the cycle reaches country 3 and its cities
      UPDATE country SET capital_id = 10 WHERE id = 1;
      UPDATE country SET capital_id = 20 WHERE id = 2;
      UPDATE country SET capital_id = 13 WHERE id = 3;
      INSERT INTO person VALUES
        (1, 1, 10, NULL, NULL),
        (2, 2, 20, 1, NULL),     -- managed by 1: deleted by the self-reference
        (3, 2, 20, 2, NULL),     -- managed by 2: deleted one level further
        (4, 2, 11, NULL, 1),     -- lives in city 11, mentored by 1: updated twice, counted once
        (5, 2, 20, NULL, 3),     -- mentored by 3: updated
        (6, 2, 20, NULL, NULL);
      INSERT INTO district VALUES (1, 1, 'd11'), (1, 2, 'd12'), (2, 1, 'd21');
      INSERT INTO address VALUES
        (1, 1, 1, 'in d11'), (2, 1, NULL, 'country 1, no district: references nothing'),
        (3, 2, 1, 'in d21'), (4, NULL, 2, 'no region');
      INSERT INTO trip VALUES (1, '2024-03-01', 1, 20), (2, '2025-03-01', 6, 11),
        (3, '2024-06-01', 6, 11), (4, '2025-06-01', 3, NULL), (5, '2024-07-01', 6, 20);
      INSERT INTO other.note VALUES (1, 2, 'about 2'), (2, 6, 'about 6'),
        (3, 2, 'about 2');  -- no primary key: two rows of the same content
      """;

  /**
   * Four tenants; {@code invoices}, {@code invoice_lines}, {@code events} and {@code settings}
   * carry {@code tenant_id} without a foreign key to {@code tenants} (undeclared references), and
   * {@code countries} has none at all.
   */
  public static final String TENANTS =
      """
      CREATE TABLE tenants (id bigint PRIMARY KEY, name text);
      CREATE TABLE users (id bigint PRIMARY KEY,
        tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, email text);
      CREATE TABLE projects (id bigint PRIMARY KEY,
        tenant_id bigint NOT NULL REFERENCES tenants(id), owner_id bigint REFERENCES users(id));
      CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, amount int);
      CREATE TABLE invoice_lines (id bigint PRIMARY KEY,
        invoice_id bigint NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
        tenant_id bigint NOT NULL, text text);
      CREATE TABLE events (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, project_id bigint,
        kind text);
      CREATE TABLE settings (tenant_id bigint PRIMARY KEY, value text);
      CREATE TABLE countries (code text PRIMARY KEY);

      INSERT INTO tenants SELECT g, 'tenant ' || g FROM generate_series(1, 4) g;
      INSERT INTO users SELECT g, 1 + g % 4, 'u' || g || '@x' FROM generate_series(1, 40) g;
      INSERT INTO projects SELECT g, 1 + g % 4, (SELECT min(id) FROM users u
        WHERE u.tenant_id = 1 + g % 4) FROM generate_series(1, 20) g;
      INSERT INTO invoices SELECT g, 1 + g % 4, g * 10 FROM generate_series(1, 30) g;
      INSERT INTO invoice_lines SELECT g, 1 + g % 30, 1 + (1 + g % 30) % 4, 'line'
        FROM generate_series(1, 90) g;
      INSERT INTO events SELECT g, p.tenant_id, p.id, 'e' FROM generate_series(1, 60) g
        JOIN projects p ON p.id = 1 + g % 20;
      INSERT INTO settings SELECT g, 'v' FROM generate_series(1, 4) g;
      INSERT INTO countries VALUES ('de'), ('fr');
      """;
}
