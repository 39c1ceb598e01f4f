package io.proddatareset.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.testing.TestDatabase;
import io.proddatareset.testing.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class OneAtATimeTest {
  @Test
  void aSecondClaimRefusesNamingTheHolderAndTheLockEndsWithTheTransaction() throws Exception {
    TestDatabase db = TestPostgres.freshDatabase("oneatatime");
    TestDatabase other = TestPostgres.freshDatabase("oneatatime_other");
    try (Connection first = db.connect();
        Connection second = db.connect();
        Connection elsewhere = other.connect()) {
      try (Statement st = first.createStatement()) {
        st.execute("SET application_name = 'first-reset'");
      }
      first.setAutoCommit(false);
      second.setAutoCommit(false);
      elsewhere.setAutoCommit(false);
      OneAtATime.claim(first, "reset");

      assertThatThrownBy(() -> OneAtATime.claim(second, "restore"))
          .isInstanceOfSatisfying(
              ExitException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.REFUSED))
          .hasMessageContaining("Another reset or restore is running on this database")
          .hasMessageContaining("application 'first-reset'")
          .hasMessageContaining("Nothing was changed")
          .hasMessageContaining("run the restore again");
      second.rollback();

      // another database on the same server is not held off
      OneAtATime.claim(elsewhere, "reset");
      elsewhere.rollback();

      first.rollback();
      OneAtATime.claim(second, "restore");
      second.rollback();
    }
  }
}
