package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.catalog.TableName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reader alone: what it accepts, what it refuses, and how it finds the end of a block. */
class BackupReaderTest {
  private static final String PG_DUMP =
      """
      --
      -- PostgreSQL database dump
      --

      \\restrict AbC123

      -- Dumped from database version 17.6
      -- Dumped by pg_dump version 17.6

      SET statement_timeout = 0;
      SET client_encoding = 'UTF8';
      SELECT pg_catalog.set_config('search_path', '', false);
      SET row_security = off;

      ALTER TABLE public."Genre" DISABLE TRIGGER ALL;

      COPY public."Genre" ("GenreId", "Name") FROM stdin;
      1	Rock
      2	\\N
      3	back\\\\slash \\\\.
      \\.

      ALTER TABLE public."Genre" ENABLE TRIGGER ALL;

      COPY "My Schema"."a""b" FROM stdin;
      \\.

      SELECT pg_catalog.setval('public."Genre_GenreId_seq"', 3, true);
      SELECT pg_catalog.setval('public.o''brien_seq', 1, false);

      --
      -- PostgreSQL database dump complete
      --

      \\unrestrict AbC123
      """;

  @Test
  void readsPgDumpDataOnlyFiles() throws Exception {
    List<String> data = new ArrayList<>();
    List<SetvalStatement> setvals = new ArrayList<>();
    BackupReader.Summary s =
        BackupReader.read(
            bytes(PG_DUMP),
            new BackupReader.Handler() {
              @Override
              public void copy(CopyStatement statement, InputStream in) throws java.io.IOException {
                data.add(
                    statement.table()
                        + "="
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
              }

              @Override
              public void setval(SetvalStatement statement) {
                setvals.add(statement);
              }
            });
    assertThat(s.producer()).isEqualTo("pg_dump version 17.6");
    assertThat(s.serverVersion()).isEqualTo("17.6");
    assertThat(s.complete()).isTrue();
    assertThat(s.producer()).doesNotStartWith(BackupFormat.PRODUCER);
    assertThat(s.blocks()).hasSize(2);
    BackupReader.Block genre = s.blocks().get(0);
    assertThat(genre.statement().table()).isEqualTo(new TableName("public", "Genre"));
    assertThat(genre.statement().columns()).containsExactly("GenreId", "Name");
    assertThat(genre.statement().sql())
        .isEqualTo("COPY \"public\".\"Genre\" (\"GenreId\", \"Name\") FROM STDIN");
    String rows = "1\tRock\n2\t\\N\n3\tback\\\\slash \\\\.\n";
    assertThat(genre.rows()).isEqualTo(3);
    assertThat(genre.sha256()).isEqualTo(sha256(rows));
    assertThat(data).containsExactly("public.\"Genre\"=" + rows, "\"My Schema\".\"a\"\"b\"=");
    assertThat(s.blocks().get(1).rows()).isZero();
    assertThat(s.blocks().get(1).sha256()).isEqualTo(Sha256.EMPTY);
    assertThat(setvals)
        .containsExactly(
            new SetvalStatement("public.\"Genre_GenreId_seq\"", 3, true),
            new SetvalStatement("public.o'brien_seq", 1, false));
    assertThat(s.fileSha256()).isEqualTo(sha256(PG_DUMP));
  }

  @Test
  void acceptsOnlyUtf8OrRawBytesAsTheFilesEncoding() throws Exception {
    String data = "COPY public.t (a) FROM stdin;\ncaf\u00e9\n\\.\n";
    for (String ok : List.of("'UTF8'", "'utf-8'", "'SQL_ASCII'", "UNICODE")) {
      BackupReader.Summary s =
          BackupReader.read(bytes("SET client_encoding = " + ok + ";\n" + data), BackupReader.SCAN);
      assertThat(s.blocks()).as(ok).hasSize(1);
    }
    for (String other : List.of("'LATIN1'", "'WIN1252'", "TO 'EUC_JP'")) {
      String set = other.startsWith("TO") ? "SET client_encoding " : "SET client_encoding = ";
      assertThatThrownBy(
              () ->
                  BackupReader.read(bytes("--\n" + set + other + ";\n" + data), BackupReader.SCAN))
          .as(other)
          .isInstanceOf(BackupFormatException.class)
          .hasMessageStartingWith("line 2: the data is in the ")
          .hasMessageContaining("pg_dump --encoding=UTF8");
    }
  }

  @Test
  void saysWhatToDoWithACustomFormatArchiveOrAFullDump() {
    byte[] custom =
        "PGDMP\u0001\u000e\u0000\u0004\u0008\u001b[31m\nmore\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> BackupReader.read(new ByteArrayInputStream(custom), BackupReader.SCAN))
        .isInstanceOf(BackupFormatException.class)
        .hasMessageStartingWith("line 1: this is a pg_dump archive in the custom format")
        .hasMessageContaining("pg_restore --data-only -f FILE.sql");
    assertThatThrownBy(
            () ->
                BackupReader.read(
                    bytes("SET a = 1;\nCREATE TABLE public.t (a int);\n"), BackupReader.SCAN))
        .isInstanceOf(BackupFormatException.class)
        .hasMessageStartingWith("line 2: not a data statement")
        .hasMessageContaining("the file holds the schema too")
        .hasMessageEndingWith(": CREATE TABLE public.t (a int);");
    // control characters (a terminal escape here) never reach the message
    assertThatThrownBy(() -> BackupReader.read(bytes("\u001b[2Jbad\tline;\n"), BackupReader.SCAN))
        .isInstanceOf(BackupFormatException.class)
        .hasMessageEndingWith(": ?[2Jbad?line;");
  }

  @Test
  void refusesAnythingButData() {
    for (String statement :
        List.of(
            "DROP TABLE users;",
            "INSERT INTO users VALUES (1);",
            "\\! rm -rf /",
            "COPY users FROM '/etc/passwd';",
            "COPY users (id) FROM stdin WITH (FORMAT csv);",
            "SELECT pg_catalog.lo_create('16401');")) {
      assertThatThrownBy(
              () -> BackupReader.read(bytes("SET a = 1;\n" + statement + "\n"), BackupReader.SCAN))
          .as(statement)
          .isInstanceOf(BackupFormatException.class)
          .hasMessageStartingWith("line 2: ");
    }
  }

  @Test
  void aCutOffBlockIsAnError() {
    assertThatThrownBy(
            () ->
                BackupReader.read(
                    bytes("COPY public.t (a) FROM stdin;\n1\n2\n"), BackupReader.SCAN))
        .isInstanceOf(BackupFormatException.class)
        .hasMessageContaining("ends inside the data of public.t");
    assertThatThrownBy(
            () ->
                BackupReader.read(
                    bytes("COPY public.t (a) FROM stdin;\n1\n\\.x\n"), BackupReader.SCAN))
        .isInstanceOf(BackupFormatException.class);
  }

  @Test
  void findsTheEndMarkerWhereverBuffersEnd() throws Exception {
    // lines starting with a backslash (NULL first column, escaped backslash) at every offset
    StringBuilder rows = new StringBuilder();
    int n = 0;
    while (rows.length() < 3 * (1 << 18)) {
      rows.append(
          n % 3 == 0 ? "\\N\tx\n" : n % 3 == 1 ? "\\\\.\t" + "y".repeat(n % 17) + "\n" : n + "\n");
      n++;
    }
    for (int pad = 0; pad < 8; pad++) {
      String text =
          "-- " + "p".repeat(pad) + "\nCOPY public.t (a, b) FROM stdin;\n" + rows + "\\.\n";
      BackupReader.Summary s = BackupReader.read(bytes(text), BackupReader.SCAN);
      assertThat(s.blocks()).hasSize(1);
      assertThat(s.blocks().get(0).rows()).isEqualTo(n);
      assertThat(s.blocks().get(0).sha256()).isEqualTo(sha256(rows.toString()));
    }
  }

  @Test
  void countsRowsAndHashesWhateverSizesTheReadsHave() throws Exception {
    // lines that start with a backslash, backslashes and dots next to line breaks, in random
    // places, read through an input that returns random short reads, by a handler that reads
    // random amounts: rows, checksum and the data handed over must not depend on where reads end
    java.util.Random random = new java.util.Random(7);
    String[] pieces = {"\\N", "\\\\.", "a", "\t", ".", "\\\\", "é", "12345678"};
    for (int round = 0; round < 40; round++) {
      StringBuilder rows = new StringBuilder();
      int n = random.nextInt(3000);
      for (int r = 0; r < n; r++) {
        int parts = random.nextInt(6);
        for (int k = 0; k < parts; k++) {
          rows.append(pieces[random.nextInt(pieces.length)]);
        }
        rows.append('\n');
      }
      byte[] file =
          ("COPY public.t (a) FROM stdin;\n" + rows + "\\.\nCOPY public.u (b) FROM stdin;\n\\.\n")
              .getBytes(StandardCharsets.UTF_8);
      InputStream chopped =
          new java.io.FilterInputStream(new ByteArrayInputStream(file)) {
            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
              return super.read(b, off, Math.min(len, 1 + random.nextInt(40)));
            }
          };
      ByteArrayOutputStream handed = new ByteArrayOutputStream();
      BackupReader.Summary s =
          BackupReader.read(
              chopped,
              new BackupReader.Handler() {
                @Override
                public void copy(CopyStatement statement, InputStream in)
                    throws java.io.IOException {
                  if (!statement.table().name().equals("t")) {
                    return;
                  }
                  byte[] b = new byte[64];
                  int got;
                  while ((got = in.read(b, 0, 1 + random.nextInt(64))) >= 0) {
                    handed.write(b, 0, got);
                  }
                }

                @Override
                public void setval(SetvalStatement statement) {}
              });
      assertThat(s.blocks()).hasSize(2);
      assertThat(s.blocks().get(0).rows()).isEqualTo(n);
      assertThat(s.blocks().get(0).sha256()).isEqualTo(sha256(rows.toString()));
      assertThat(handed.toString(StandardCharsets.UTF_8)).isEqualTo(rows.toString());
      assertThat(s.blocks().get(1).rows()).isZero();
    }
  }

  @Test
  void readsConcatenatedMembers() throws Exception {
    for (Compression c : List.of(Compression.GZIP, Compression.ZSTD)) {
      ByteArrayOutputStream file = new ByteArrayOutputStream();
      for (String piece :
          List.of(
              "COPY public.t (a) FROM stdin;\n1\n", "2\n3\n", "\\.\n\n", BackupFormat.footer())) {
        try (OutputStream m = c.member(file)) {
          m.write(piece.getBytes(StandardCharsets.UTF_8));
        }
      }
      BackupReader.Summary s =
          BackupReader.read(new ByteArrayInputStream(file.toByteArray()), BackupReader.SCAN);
      assertThat(s.blocks()).as(c.label()).hasSize(1);
      assertThat(s.blocks().get(0).rows()).isEqualTo(3);
      assertThat(s.complete()).isTrue();

      // a damaged byte anywhere either fails the read or falls where it changes nothing read
      // (a member header's time stamp): the data is never silently different
      byte[] good = file.toByteArray();
      for (int i = 0; i < good.length; i++) {
        byte[] damaged = good.clone();
        damaged[i] ^= 0x21;
        BackupReader.Summary read;
        try {
          read = BackupReader.read(new ByteArrayInputStream(damaged), BackupReader.SCAN);
        } catch (java.io.IOException expected) {
          continue;
        }
        assertThat(read.blocks()).as(c.label() + " byte " + i).isEqualTo(s.blocks());
        assertThat(read.complete()).as(c.label() + " byte " + i).isTrue();
      }
    }
  }

  private static InputStream bytes(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
