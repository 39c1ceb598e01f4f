package io.proddatareset.backup;

import io.proddatareset.catalog.TableName;
import io.proddatareset.pg.Identifiers;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * The text around the data, as {@code pg_dump --data-only} writes it in plain format, so that
 * {@code psql -f} restores a backup and this tool's reader recognises its own files.
 *
 * <p>Layout: the header; one block per table, parents before children ({@link #blockHeader}, the
 * COPY text, {@link #END_OF_DATA}); then, for a backup that took rows appended later ({@link
 * BackupInProgress#append}), further blocks of some of the same tables, again parents first, each
 * after every table's first block; the setval lines; the footer. {@code psql -f} loads a table's
 * blocks one after the other, as restore does in one transaction.
 */
final class BackupFormat {
  static final String PRODUCER = "prod-data-reset";
  static final String COMPLETE = "-- PostgreSQL database dump complete";

  /**
   * The comment line after a subset backup's header: its rows go back into live tables, which only
   * its manifest says how to do; a restore without the manifest refuses it.
   */
  static final String SUBSET_MARK =
      "-- Subset backup (rows selected with --where): restore it with prod-data-reset restore,"
          + " its manifest beside it";

  static final byte[] END_OF_DATA = "\\.\n\n\n".getBytes(StandardCharsets.UTF_8);

  private BackupFormat() {}

  static String header(String serverVersion, String toolVersion) {
    return "--\n"
        + "-- PostgreSQL database dump\n"
        + "--\n"
        + "\n"
        + "-- Dumped from database version "
        + serverVersion
        + "\n"
        + "-- Dumped by "
        + PRODUCER
        + " "
        + toolVersion
        + "\n"
        + "\n"
        // the settings pg_dump writes that matter to a data load; each is understood by every
        // supported server, so psql -f runs without errors
        + "SET statement_timeout = 0;\n"
        + "SET lock_timeout = 0;\n"
        + "SET idle_in_transaction_session_timeout = 0;\n"
        + "SET client_encoding = 'UTF8';\n"
        + "SET standard_conforming_strings = on;\n"
        + "SELECT pg_catalog.set_config('search_path', '', false);\n"
        + "SET check_function_bodies = false;\n"
        + "SET xmloption = content;\n"
        + "SET client_min_messages = warning;\n"
        + "SET row_security = off;\n"
        + "\n";
  }

  static String blockHeader(TableName table, CopyStatement copy) {
    return "--\n"
        + "-- Data for Name: "
        + comment(Identifiers.display(table.name()))
        + "; Type: TABLE DATA; Schema: "
        + comment(Identifiers.display(table.schema()))
        + "\n"
        + "--\n"
        + "\n"
        + copy.line()
        + "\n";
  }

  static String sequenceLine(SetvalStatement setval, String sequenceName, String schema) {
    return "--\n"
        + "-- Name: "
        + comment(sequenceName)
        + "; Type: SEQUENCE SET; Schema: "
        + comment(schema)
        + "\n"
        + "--\n"
        + "\n"
        + setval.line()
        + "\n"
        + "\n"
        + "\n";
  }

  /** A name inside a comment line: a line break there would turn the rest into SQL for psql. */
  static String comment(String text) {
    return text.replace('\n', ' ').replace('\r', ' ');
  }

  static String footer() {
    return "--\n" + COMPLETE + "\n" + "--\n" + "\n";
  }

  /** The end of a backup: a setval line for each sequence, then the footer. */
  static String sequencesAndFooter(Collection<BackupManifest.SequenceEntry> sequences) {
    StringBuilder sb = new StringBuilder();
    for (BackupManifest.SequenceEntry s : sequences) {
      sb.append(
          sequenceLine(
              new SetvalStatement(s.name(), s.value(), s.isCalled()),
              Identifiers.display(s.sequence()),
              Identifiers.display(s.schema())));
    }
    sb.append(footer());
    return sb.toString();
  }
}
