package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.proddatareset.testing.Cli;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database (or role) can set how its sessions write values as text, and COPY writes them that
 * way: a backup must not take those settings over where they change what the text reads back as.
 * Backups are written as pg_dump writes them, whatever the database sets.
 */
class DatabaseSettingsTest {
  @TempDir Path dir;

  private static final String SCHEMA = "CREATE TABLE spans (id int PRIMARY KEY, v interval)";

  /** The values as numbers, which no style changes. */
  private static List<String> values(TestDatabase db) {
    return db.queryStrings(
        "SELECT id || ': ' || extract(epoch FROM v) || ' s, ' || extract(day FROM v) || ' d, '"
            + " || extract(month FROM v) || ' mon' FROM spans ORDER BY id");
  }

  /**
   * In the sql_standard interval style a leading minus sign applies to every field ({@code -1
   * 2:03:04} is minus one day, two hours, ...), while the default style reads the same text as
   * minus one day plus two hours: a backup written in that style restored other values elsewhere.
   */
  /**
   * In the sql_standard interval style a leading minus sign applies to every field ({@code -1
   * 2:03:04} is minus one day, two hours, ...), while the default style reads the same text as
   * minus one day plus two hours: a backup written in that style restored other values elsewhere.
   */
  @Test
  void aBackupOfASqlStandardDatabaseRestoresTheSameValuesElsewhere() throws IOException {
    TestDatabase source = TestPostgres.freshDatabase();
    source.exec(
        "ALTER DATABASE " + source.name() + " SET intervalstyle = 'sql_standard'",
        SCHEMA,
        "INSERT INTO spans VALUES (1, '-1 day +02:03:04'), (2, '1 year -2 months'),"
            + " (3, '-3 days -04:00:00'), (4, '00:00:00'), (5, '-1 year -2 mons +3 days')");
    assertThat(source.queryStrings("SHOW intervalstyle")).containsExactly("sql_standard");
    List<String> want = values(source);
    Path file = dir.resolve("spans.sql");

    Cli.Result b = RoundTrips.backup(source, file, "--all");

    assertThat(b.exitCode()).as(b.toString()).isZero();

    TestDatabase target = TestPostgres.freshDatabase();
    target.exec(SCHEMA);
    Cli.Result r = RoundTrips.restore(target, file, "--allow-other-database");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(values(target)).isEqualTo(want);
    assertThat(Files.readString(file)).contains("\t-1 days +02:03:04\n");

    // the postgres style reads back the same in a database that reads sql_standard
    TestDatabase standard = TestPostgres.freshDatabase();
    standard.exec(
        "ALTER DATABASE " + standard.name() + " SET intervalstyle = 'sql_standard'", SCHEMA);
    Cli.Result r2 = RoundTrips.restore(standard, file, "--allow-other-database");
    assertThat(r2.exitCode()).as(r2.toString()).isZero();
    assertThat(values(standard)).isEqualTo(want);
  }

  /**
   * With extra_float_digits 0 (or below) a float is written rounded to 15 significant digits: 0.1 +
   * 0.2 came back as 0.3. The default since PostgreSQL 12, 1, writes the shortest exact form;
   * pg_dump sets 3, which is exact on every version.
   */
  @Test
  void floatsComeBackExactWhateverTheDatabaseRoundsThemTo() {
    TestDatabase source = TestPostgres.freshDatabase();
    String schema = "CREATE TABLE measures (id int PRIMARY KEY, d float8, r real)";
    source.exec(
        "ALTER DATABASE " + source.name() + " SET extra_float_digits = -3",
        "ALTER DATABASE " + source.name() + " SET datestyle = 'SQL, DMY'",
        schema,
        "INSERT INTO measures VALUES (1, 0.1::float8 + 0.2::float8, 0.1::real + 0.2::real),"
            + " (2, 1e300 / 3, 1.0::real / 3), (3, 'NaN', '-Infinity')");
    String exact =
        "SELECT id || ': ' || float8send(d)::text || ' ' || float4send(r)::text"
            + " FROM measures ORDER BY id";
    List<String> want = source.queryStrings(exact);
    Path file = dir.resolve("measures.sql.gz");

    Cli.Result b = RoundTrips.backup(source, file, "--all");
    assertThat(b.exitCode()).as(b.toString()).isZero();
    TestDatabase target = TestPostgres.freshDatabase();
    target.exec(schema);
    Cli.Result r = RoundTrips.restore(target, file, "--allow-other-database");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(target.queryStrings(exact)).isEqualTo(want);
  }

  /**
   * reg* columns are written as names, unqualified when the session's search path finds them: with
   * the database's search path (app, public) a backup wrote app.things as "things", which another
   * database read as public.things. Backups write them qualified, as pg_dump does.
   */
  @Test
  void regclassValuesAreWrittenQualifiedWhateverTheSearchPath() {
    String schema =
        "CREATE SCHEMA app; CREATE TABLE app.things (id int PRIMARY KEY);"
            + " CREATE TYPE app.mood AS ENUM ('ok');"
            + " CREATE TABLE public.things (id int PRIMARY KEY);"
            + " CREATE TABLE public.refs (id int PRIMARY KEY, r regclass, t regtype)";
    TestDatabase source = TestPostgres.freshDatabase();
    source.exec(
        schema,
        "ALTER DATABASE " + source.name() + " SET search_path = app, public",
        "INSERT INTO public.refs VALUES (1, 'app.things', 'app.mood'), (2, 'public.things', NULL)");
    Path file = dir.resolve("refs.sql");
    Cli.Result b = RoundTrips.backup(source, file, "--all", "--schema", "public,app");
    assertThat(b.exitCode()).as(b.toString()).isZero();

    TestDatabase target = TestPostgres.freshDatabase();
    target.exec(schema);
    Cli.Result r = RoundTrips.restore(target, file, "--allow-other-database");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(
            target.queryStrings(
                "SELECT id || ' ' || r::text || ' ' || coalesce(t::text, '-') FROM public.refs"
                    + " ORDER BY id"))
        .containsExactly("1 app.things app.mood", "2 things -");
  }

  /**
   * The reset goes on in the backup's transaction: its TRUNCATE fires the table's own triggers,
   * which must see the database's search path again, not the backup's empty one.
   */
  @Test
  void theResetsTriggersRunWithTheDatabasesSearchPath() {
    TestDatabase db = TestPostgres.freshDatabase();
    db.exec(
        "CREATE SCHEMA app",
        "CREATE TABLE app.truncations (what text)",
        "CREATE TABLE public.notes (id int PRIMARY KEY)",
        "CREATE TABLE public.accounts (id int PRIMARY KEY)",
        "INSERT INTO public.notes VALUES (1), (2)",
        "CREATE FUNCTION public.note_truncation() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$BEGIN INSERT INTO truncations VALUES (TG_TABLE_NAME); RETURN NULL; END$$",
        "CREATE TRIGGER notes_truncated AFTER TRUNCATE ON public.notes"
            + " FOR EACH STATEMENT EXECUTE FUNCTION public.note_truncation()",
        "ALTER DATABASE " + db.name() + " SET search_path = app, public");

    Cli.Result r =
        new Cli()
            .run(
                "reset",
                db.url(),
                "--keep",
                "accounts",
                "--backup",
                dir.resolve("notes.sql").toString(),
                "--confirm",
                db.name());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(db.count("public.notes")).isZero();
    assertThat(db.queryStrings("SELECT what FROM app.truncations")).containsExactly("notes");
  }

  /**
   * COPY writes xml values as content; a database that reads xml as documents (xmloption =
   * document) refuses a fragment. The restore reads them as content, as pg_dump's files say.
   */
  @Test
  void xmlFragmentsRestoreIntoADatabaseThatReadsDocuments() {
    String schema = "CREATE TABLE docs (id int PRIMARY KEY, x xml)";
    TestDatabase source = TestPostgres.freshDatabase();
    source.exec(
        schema,
        "INSERT INTO docs VALUES (1, XMLPARSE(CONTENT 'text <b>bold</b> more')),"
            + " (2, XMLPARSE(DOCUMENT '<doc/>'))");
    Path file = dir.resolve("docs.sql");
    Cli.Result b = RoundTrips.backup(source, file, "--all");
    assertThat(b.exitCode()).as(b.toString()).isZero();

    TestDatabase target = TestPostgres.freshDatabase();
    target.exec("ALTER DATABASE " + target.name() + " SET xmloption = document", schema);
    Cli.Result r = RoundTrips.restore(target, file, "--allow-other-database");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(target.queryStrings("SELECT id || ' ' || x::text FROM docs ORDER BY id"))
        .containsExactly("1 text <b>bold</b> more", "2 <doc/>");
  }
}
