package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class FramedOutputStreamTest {
  @Test
  void framesCompressedOnSeveralThreadsReadBackInOrder() throws Exception {
    Random random = new Random(3);
    // several chunks of each codec, half compressible text, half random bytes
    byte[] data = new byte[5 * (2 << 20) + 12345];
    for (int i = 0; i < data.length; i++) {
      data[i] = i % 2 == 0 ? (byte) ('a' + (i / 7) % 26) : (byte) random.nextInt(256);
    }
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (Compression c : List.of(Compression.GZIP, Compression.ZSTD)) {
        for (boolean parallel : List.of(false, true)) {
          ByteArrayOutputStream file = new ByteArrayOutputStream();
          try (OutputStream out =
              c.member(file, parallel ? pool : null, 3, BackupOptions.DEFAULT_GZIP_LEVEL)) {
            int off = 0;
            while (off < data.length) {
              int n = Math.min(data.length - off, 1 + random.nextInt(300_000));
              out.write(data, off, n);
              off += n;
            }
          }
          try (InputStream in =
              Compression.decompress(new ByteArrayInputStream(file.toByteArray()))) {
            assertThat(in.readAllBytes()).as(c.label() + " parallel=" + parallel).isEqualTo(data);
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anEmptyStreamWritesNothingAndOneByteWritesOneFrame() throws Exception {
    for (Compression c : List.of(Compression.GZIP, Compression.ZSTD)) {
      ByteArrayOutputStream file = new ByteArrayOutputStream();
      c.member(file).close();
      assertThat(file.size()).isZero();
      try (OutputStream out = c.member(file)) {
        out.write('x');
      }
      try (InputStream in = Compression.decompress(new ByteArrayInputStream(file.toByteArray()))) {
        assertThat(in.readAllBytes()).containsExactly('x');
      }
    }
  }
}
