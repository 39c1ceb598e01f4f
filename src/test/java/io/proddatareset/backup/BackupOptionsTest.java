package io.proddatareset.backup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackupOptionsTest {
  @Test
  void defaultJobsAreTheCoresAtMostFourAndHalfOfThemWhenTheServerSharesThem() {
    assertThat(BackupOptions.defaultJobs(1, false)).isEqualTo(1);
    assertThat(BackupOptions.defaultJobs(2, false)).isEqualTo(2);
    assertThat(BackupOptions.defaultJobs(16, false)).isEqualTo(4);
    assertThat(BackupOptions.defaultJobs(1, true)).isEqualTo(1);
    assertThat(BackupOptions.defaultJobs(2, true)).isEqualTo(1);
    assertThat(BackupOptions.defaultJobs(6, true)).isEqualTo(3);
    assertThat(BackupOptions.defaultJobs(16, true)).isEqualTo(4);
  }
}
