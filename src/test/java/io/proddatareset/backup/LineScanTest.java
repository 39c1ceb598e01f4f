package io.proddatareset.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LineScanTest {
  @Test
  void countsAndFindsLineBreaksLikeAByteLoop() {
    Random random = new Random(42);
    byte[] alphabet = {'\n', '\\', '.', 'a', '\t', (byte) 0x8a, (byte) 0xff, 0};
    for (int round = 0; round < 2000; round++) {
      byte[] b = new byte[random.nextInt(70)];
      for (int i = 0; i < b.length; i++) {
        b[i] = alphabet[random.nextInt(alphabet.length)];
      }
      int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
      int to = from + random.nextInt(b.length - from + 1);
      long expected = 0;
      for (int i = from; i < to; i++) {
        if (b[i] == '\n') {
          expected++;
        }
      }
      assertEquals(expected, LineScan.count(b, from, to));
      for (long n = 1; n <= expected + 1; n++) {
        assertEquals(byteLoopAfterNth(b, from, to, n), LineScan.afterNth(b, from, to, n));
      }
    }
  }

  private static int byteLoopAfterNth(byte[] b, int from, int to, long n) {
    long seen = 0;
    for (int i = from; i < to; i++) {
      if (b[i] == '\n' && ++seen == n) {
        return i + 1;
      }
    }
    return -1;
  }
}
