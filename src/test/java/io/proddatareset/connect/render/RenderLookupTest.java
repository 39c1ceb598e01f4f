package io.proddatareset.connect.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proddatareset.ExitException;
import io.proddatareset.ExitStatus;
import io.proddatareset.connect.Redaction;
import io.proddatareset.testing.FakeRenderApi;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The Render lookup against a local server that answers with the documented shapes. */
@Tag("single-version")
class RenderLookupTest {
  static final String KEY = "rnd_TestKey0123456789abcdef";
  static final String PASSWORD = "Render-Pw-4f9a1c77e2";

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private FakeRenderApi api() {
    FakeRenderApi api = new FakeRenderApi(KEY);
    toClose.add(api);
    return api;
  }

  private static RenderLookup lookup(FakeRenderApi api, int pageSize) {
    return lookup(api.baseUrl(), KEY, pageSize, Duration.ofSeconds(5));
  }

  private static RenderLookup lookup(String base, String key, int pageSize, Duration timeout) {
    return new RenderLookup(
        base, key, Duration.ofSeconds(2), timeout, pageSize, null, new Waits().retry());
  }

  /**
   * A clock at {@link #NOW} and a sleeper that only records and moves that clock: retries are
   * tested without sleeping. Jitter is a fixed 0.5.
   */
  static final class Waits {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    final List<Duration> slept = new ArrayList<>();
    Instant now = NOW;

    RenderRetry retry() {
      Clock clock =
          new Clock() {
            @Override
            public ZoneId getZone() {
              return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
              return this;
            }

            @Override
            public Instant instant() {
              return now;
            }
          };
      return new RenderRetry(
          clock,
          d -> {
            slept.add(d);
            now = now.plus(d);
          },
          () -> 0.5,
          RenderRetry.DEFAULT_BUDGET);
    }

    Duration total() {
      return slept.stream().reduce(Duration.ZERO, Duration::plus);
    }
  }

  private static RenderLookup lookup(FakeRenderApi api, Waits waits, String owner) {
    return new RenderLookup(
        api.baseUrl(),
        KEY,
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        100,
        owner,
        waits.retry());
  }

  /** The failure's status, after checking that its message holds no secret. */
  private static ExitException failure(ThrowingCallable call) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(t).isInstanceOf(ExitException.class);
    assertThat(t.getMessage()).doesNotContain(KEY).doesNotContain(PASSWORD).doesNotContain("\n");
    return (ExitException) t;
  }

  @Test
  void findsTheExactNameAcrossPagesAndTakesTheExternalStringWithTls() {
    FakeRenderApi api = api();
    // the fake's name filter matches substrings: five hits, two per page, the exact one last
    api.add("dpg-aaa1-a", "pm-db-staging", "pw-staging-1")
        .add("dpg-aaa2-a", "old-pm-db", "pw-old-2")
        .add("dpg-aaa3-a", "PM-DB-copy", "pw-copy-3")
        .add("dpg-aaa4-a", "pm-db2", "pw-two-4")
        .add("dpg-aaa5-a", "pm-db", PASSWORD)
        .add("dpg-zzz9-a", "unrelated", "pw-unrelated");

    RenderDatabase db = lookup(api, 2).resolve("pm-db", false);

    assertThat(db.id()).isEqualTo("dpg-aaa5-a");
    assertThat(db.name()).isEqualTo("pm-db");
    assertThat(db.internal()).isFalse();
    assertThat(db.target().host()).isEqualTo("dpg-aaa5-a.oregon-postgres.render.com");
    assertThat(db.target().port()).isEqualTo(5432);
    assertThat(db.target().database()).isEqualTo("app_db");
    assertThat(db.target().user()).isEqualTo("app_user");
    assertThat(db.target().password()).isEqualTo(PASSWORD);
    assertThat(db.target().sslMode()).isEqualTo("require");
    assertThat(db.describe())
        .isEqualTo(
            "Render Postgres 'pm-db' (dpg-aaa5-a):"
                + " postgresql://app_user@dpg-aaa5-a.oregon-postgres.render.com:5432/app_db")
        .doesNotContain(PASSWORD);
    // three pages (2, 2, 1) without replicas, each after the previous page's last cursor, then
    // connection-info and the recovery status
    List<String> req = api.requests();
    assertThat(req).hasSize(5);
    assertThat(req.get(0)).isEqualTo("/v1/postgres?includeReplicas=false&limit=2&name=pm-db");
    assertThat(req.get(1))
        .startsWith("/v1/postgres?includeReplicas=false&limit=2&name=pm-db&cursor=c-");
    assertThat(req.get(2))
        .startsWith("/v1/postgres?includeReplicas=false&limit=2&name=pm-db&cursor=c-");
    assertThat(req.get(1)).isNotEqualTo(req.get(2));
    assertThat(req.get(3)).isEqualTo("/v1/postgres/dpg-aaa5-a/connection-info");
    assertThat(req.get(4)).isEqualTo("/v1/postgres/dpg-aaa5-a/recovery");
    // what the plan and the confirmation show of it; the fake reports no recovery status (404)
    assertThat(db.details())
        .containsExactly(
            "Render Postgres 'pm-db' (dpg-aaa5-a)",
            "  region oregon, plan basic_256mb",
            "  dashboard https://dashboard.render.com/d/dpg-aaa5-a",
            "  point-in-time recovery: not reported");
    assertThat(api.authorizations()).allMatch(a -> a.equals("Bearer " + KEY));
  }

  @Test
  void aFullLastPageIsFollowedByAnEmptyOne() {
    FakeRenderApi api = api();
    api.add("dpg-b1-a", "db-1", "pw-b1").add("dpg-b2-a", "db-2", "pw-b2");
    api.add("dpg-b3-a", "db-3", "pw-b3").add("dpg-b4-a", "db-4", "pw-b4");

    ExitException e = failure(() -> lookup(api, 2).resolve("db", false));

    assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
    // by name: pages of 2, 2, 0; then the whole list for the message: 2, 2, 0
    assertThat(api.requests()).hasSize(6);
    assertThat(api.requests().get(3)).isEqualTo("/v1/postgres?includeReplicas=false&limit=2");
    assertThat(e.getMessage()).contains("'db-1', 'db-2', 'db-3', 'db-4'");
  }

  @Test
  void internalTakesTheInternalConnectionString() {
    FakeRenderApi api = api();
    api.add("dpg-int1-a", "pm-db", PASSWORD);

    RenderDatabase db = lookup(api, 100).resolve("pm-db", true);

    assertThat(db.internal()).isTrue();
    assertThat(db.target().host()).isEqualTo("dpg-int1-a");
    // not loopback: TLS stays required on Render's private network too
    assertThat(db.target().sslMode()).isEqualTo("require");
    assertThat(db.describe()).contains("(dpg-int1-a, internal)");
  }

  @Test
  void noInstanceOfThatNameListsTheNamesThereAre() {
    FakeRenderApi api = api();
    api.add("dpg-c1-a", "billing-db", "pw-c1")
        .add("dpg-c2-a", "pm-db-staging", "pw-c2")
        .add("dpg-c3-a", "analytics", "pw-c3")
        .add("dpg-c4-a", "zeta", "pw-c4")
        .add("dpg-c5-a", "alpha", "pw-c5");

    ExitException e = failure(() -> lookup(api, 2).resolve("pm-db", false));

    assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
    assertThat(e.getMessage())
        .isEqualTo(
            "No Render Postgres instance named 'pm-db'; the instances there are: 'alpha',"
                + " 'analytics', 'billing-db', 'pm-db-staging', 'zeta'.");
  }

  @Test
  void aKeyThatSeesNothingSaysSo() {
    FakeRenderApi api = api();
    ExitException e = failure(() -> lookup(api, 100).resolve("pm-db", false));
    assertThat(e.getMessage())
        .isEqualTo(
            "No Render Postgres instance named 'pm-db': there is no Postgres instance at all in the"
                + " workspaces this API key reaches (a key belongs to a user and reaches all of the"
                + " user's workspaces); is it the key of a user who belongs to the right"
                + " workspace?");
  }

  @Test
  void severalInstancesWithTheNameListTheirIdsAndTheIdThenWorks() {
    FakeRenderApi api = api();
    api.add("dpg-dup2-a", "pm-db", "pw-second-222")
        .add("dpg-other-a", "other", "pw-other")
        .add("dpg-dup1-a", "pm-db", PASSWORD);

    ExitException e = failure(() -> lookup(api, 2).resolve("pm-db", false));

    assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
    assertThat(e.getMessage())
        .isEqualTo(
            "2 Render Postgres instances are named 'pm-db' (ids dpg-dup1-a, dpg-dup2-a): pass the"
                + " id of the one you mean, e.g. --render-postgres dpg-dup1-a.");

    RenderDatabase byId = lookup(api, 2).resolve("dpg-dup1-a", false);
    assertThat(byId.id()).isEqualTo("dpg-dup1-a");
    assertThat(byId.name()).isEqualTo("pm-db");
    assertThat(byId.target().password()).isEqualTo(PASSWORD);
    RenderDatabase other = lookup(api, 2).resolve("dpg-dup2-a", false);
    assertThat(other.target().password()).isEqualTo("pw-second-222");
  }

  @Test
  void anUnknownIdIsNotFoundAndListsNames() {
    FakeRenderApi api = api();
    api.add("dpg-e1-a", "pm-db", PASSWORD);
    ExitException e = failure(() -> lookup(api, 100).resolve("dpg-nope-a", false));
    assertThat(e.getMessage())
        .startsWith("No Render Postgres instance named or with id 'dpg-nope-a'")
        .contains("'pm-db'");
  }

  @Test
  void aRejectedKeyIsOneClearLineWithoutTheKey() {
    FakeRenderApi api = api();
    api.add("dpg-f1-a", "pm-db", PASSWORD);
    String wrongKey = "rnd_WrongKey999888777666";

    ExitException e =
        failure(
            () ->
                lookup(api.baseUrl(), wrongKey, 100, Duration.ofSeconds(5))
                    .resolve("pm-db", false));

    assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
    assertThat(e.getMessage())
        .startsWith("The Render API rejected RENDER_API_KEY (HTTP 401, unauthorized)")
        .doesNotContain(wrongKey);
    assertThat(api.authorizations()).containsExactly("Bearer " + wrongKey);
  }

  @Test
  void forbiddenIsAlsoARejectedKey() {
    FakeRenderApi api = api();
    api.answerAll(403, "{\"id\":\"forbidden\",\"message\":\"Forbidden\"}");
    ExitException e = failure(() -> lookup(api, 100).resolve("pm-db", false));
    assertThat(e.getMessage()).startsWith("The Render API rejected RENDER_API_KEY (HTTP 403");
  }

  @Test
  void aServerErrorThatLastsIsRetriedForAboutThirtySecondsThenQuotesRendersMessage() {
    FakeRenderApi api = api();
    api.answerAll(503, "{\"id\":\"unavailable\",\"message\":\"Server currently unavailable\"}");
    Waits waits = new Waits();
    ExitException e = failure(() -> lookup(api, waits, null).resolve("pm-db", false));
    assertThat(e.getMessage())
        .isEqualTo(
            "The Render API answered HTTP 503 when asked for the list of Postgres instances:"
                + " Server currently unavailable (9 attempts over 29.6s): try again later; Render's"
                + " status is at https://status.render.com.");
    // exponential backoff (jitter 0.5 takes 3/4 of each step), capped at 8s, within 30s in all
    assertThat(waits.slept)
        .extracting(Duration::toMillis)
        .containsExactly(375L, 750L, 1500L, 3000L, 6000L, 6000L, 6000L, 6000L);
    assertThat(api.requests()).hasSize(9);
  }

  @Test
  void aPassingServerErrorIsRetriedWithBackoff() {
    FakeRenderApi api = api();
    api.add("dpg-r5-a", "pm-db", PASSWORD).failNext(2, 502);
    Waits waits = new Waits();
    RenderDatabase db = lookup(api, waits, null).resolve("pm-db", false);
    assertThat(db.id()).isEqualTo("dpg-r5-a");
    assertThat(waits.slept).extracting(Duration::toMillis).containsExactly(375L, 750L);
  }

  @Test
  void a429IsRetriedAfterRatelimitResetReadAsSecondsToWait() {
    FakeRenderApi api = api();
    api.add("dpg-r1-a", "pm-db", PASSWORD).limitNext(2, "3");
    Waits waits = new Waits();
    RenderDatabase db = lookup(api, waits, null).resolve("pm-db", false);
    assertThat(db.target().password()).isEqualTo(PASSWORD);
    // the wait asked for, plus jitter (here 125ms of at most 250ms)
    assertThat(waits.slept).extracting(Duration::toMillis).containsExactly(3125L, 3125L);
    assertThat(api.requests().subList(0, 3)).allMatch(r -> r.startsWith("/v1/postgres?"));
  }

  @Test
  void a429IsRetriedAfterRatelimitResetReadAsEpochSeconds() {
    FakeRenderApi api = api();
    long resetAt = Waits.NOW.getEpochSecond() + 7;
    api.add("dpg-r2-a", "pm-db", PASSWORD).limitNext(1, Long.toString(resetAt));
    Waits waits = new Waits();
    lookup(api, waits, null).resolve("pm-db", false);
    assertThat(waits.slept).extracting(Duration::toMillis).containsExactly(7125L);
  }

  @Test
  void a429WithoutRatelimitResetBacksOff() {
    FakeRenderApi api = api();
    api.add("dpg-r3-a", "pm-db", PASSWORD).limitNext(3, null);
    Waits waits = new Waits();
    lookup(api, waits, null).resolve("pm-db", false);
    assertThat(waits.slept).extracting(Duration::toMillis).containsExactly(375L, 750L, 1500L);
  }

  @Test
  void a429ThatResetsLaterThanTheBudgetFailsAtOnceNamingTheLimit() {
    FakeRenderApi api = api();
    api.add("dpg-r4-a", "pm-db", PASSWORD).limitNext(1, "45");
    Waits waits = new Waits();
    ExitException e = failure(() -> lookup(api, waits, null).resolve("pm-db", false));
    assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
    assertThat(e.getMessage())
        .isEqualTo(
            "The Render API is limiting the rate of requests (HTTP 429, Ratelimit-Limit 100) when"
                + " asked for the list of Postgres instances; the limit resets in 45.0s, more than"
                + " is left of the 30s this tool waits in all: try again then.");
    assertThat(waits.slept).isEmpty();
    assertThat(api.requests()).hasSize(1);
  }

  @Test
  void a429ThatKeepsComingStopsWithinTheBudget() {
    FakeRenderApi api = api();
    api.add("dpg-r6-a", "pm-db", PASSWORD).limitNext(1000, "5");
    Waits waits = new Waits();
    ExitException e = failure(() -> lookup(api, waits, null).resolve("pm-db", false));
    assertThat(e.getMessage())
        .startsWith(
            "The Render API is limiting the rate of requests (HTTP 429, Ratelimit-Limit 100) when"
                + " asked for the list of Postgres instances (6 attempts over 26.5s); the limit"
                + " resets in 5.0s");
    assertThat(waits.total()).isLessThanOrEqualTo(Duration.ofSeconds(30));
    // the time asked for, until the backoff grows past it
    assertThat(waits.slept)
        .extracting(Duration::toMillis)
        .containsExactly(5125L, 5125L, 5125L, 5125L, 6000L);
  }

  @Test
  void aResetTimeAlreadyPastStillBacksOff() {
    FakeRenderApi api = api();
    long past = Waits.NOW.getEpochSecond() - 60;
    api.add("dpg-r8-a", "pm-db", PASSWORD).limitNext(3, Long.toString(past));
    Waits waits = new Waits();
    lookup(api, waits, null).resolve("pm-db", false);
    assertThat(waits.slept).extracting(Duration::toMillis).containsExactly(375L, 750L, 1500L);
  }

  @Test
  void theWaitsOfOneLookupShareTheBudget() {
    FakeRenderApi api = api();
    api.add("dpg-r7-a", "pm-db", PASSWORD);
    Waits waits = new Waits();
    RenderLookup lookup = lookup(api, waits, null);
    api.limitNext(1, "20");
    lookup.resolve("pm-db", false);
    api.limitNext(1, "20");
    ExitException e = failure(() -> lookup.resolve("pm-db", false));
    assertThat(e.getMessage()).contains("more than is left of the 30s this tool waits in all");
    assertThat(waits.slept).extracting(Duration::toMillis).containsExactly(20125L);
  }

  @Test
  void aReplicaUnderThePrimarysNameIsNoSecondInstance() {
    FakeRenderApi api = api();
    api.add("dpg-prim-a", "pm-db", PASSWORD)
        .add("dpg-repl-a", "pm-db", "pw-replica", i -> i.withRole("replica"));

    RenderDatabase db = lookup(api, 100).resolve("pm-db", false);

    assertThat(db.id()).isEqualTo("dpg-prim-a");
    assertThat(api.requests().get(0)).contains("includeReplicas=false");
  }

  @Test
  void aReplicaListedAnywayIsSkipped() {
    FakeRenderApi api = api();
    api.add("dpg-prim-a", "pm-db", PASSWORD)
        .add("dpg-repl-a", "pm-db", "pw-replica", i -> i.withRole("replica"))
        .ignoreIncludeReplicas();

    RenderDatabase db = lookup(api, 100).resolve("pm-db", false);

    assertThat(db.id()).isEqualTo("dpg-prim-a");
    assertThat(db.target().password()).isEqualTo(PASSWORD);
  }

  @Test
  void aReplicasIdIsRefusedAsATargetNamingTheRole() {
    FakeRenderApi api = api();
    api.add("dpg-prim-a", "pm-db", PASSWORD)
        .add("dpg-repl-a", "pm-db", "pw-replica", i -> i.withRole("replica"));
    ExitException e = failure(() -> lookup(api, 100).resolve("dpg-repl-a", false));
    assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
    assertThat(e.getMessage())
        .isEqualTo(
            "Render Postgres dpg-repl-a ('pm-db') is a read replica (role replica), which cannot"
                + " be reset: pass the primary's name or id.");
  }

  @Test
  void aSuspendedInstanceIsRefusedWithItsStatusBeforeItsPasswordIsAskedFor() {
    FakeRenderApi api = api();
    api.add("dpg-susp-a", "pm-db", PASSWORD, i -> i.withStatus("suspended", "suspended"));
    ExitException e = failure(() -> lookup(api, 100).resolve("pm-db", false));
    assertThat(e.status()).isEqualTo(ExitStatus.REFUSED);
    assertThat(e.getMessage())
        .isEqualTo(
            "Render Postgres 'pm-db' (dpg-susp-a) is suspended: resume it in the Render dashboard"
                + " (https://dashboard.render.com/d/dpg-susp-a) and try again. Nothing was"
                + " changed.");
    assertThat(api.requests()).noneMatch(r -> r.contains("connection-info"));
  }

  @Test
  void anInstanceThatIsNotAvailableIsRefusedWithItsStatus() {
    FakeRenderApi api = api();
    api.add(
        "dpg-rec-a", "pm-db", PASSWORD, i -> i.withStatus("recovery_in_progress", "not_suspended"));
    ExitException e = failure(() -> lookup(api, 100).resolve("dpg-rec-a", false));
    assertThat(e.status()).isEqualTo(ExitStatus.REFUSED);
    assertThat(e.getMessage())
        .startsWith(
            "Render Postgres 'pm-db' (dpg-rec-a) is not available (status recovery_in_progress):"
                + " wait until the Render dashboard");
  }

  @Test
  void theRecoveryStatusIsRecordedWhenReportedAndNotReportedOnAnError() {
    FakeRenderApi api = api();
    api.add("dpg-pitr-a", "with-pitr", PASSWORD, i -> i.withRecovery("AVAILABLE"))
        .add("dpg-nopitr-a", "not-ready", "pw-b", i -> i.withRecovery("BACKUP_NOT_READY"))
        .add("dpg-err-a", "erring", "pw-c", i -> i.withRecovery(FakeRenderApi.RECOVERY_FAILS));

    RenderDatabase available = lookup(api, 100).resolve("with-pitr", false);
    assertThat(available.recoveryStatus()).isEqualTo("AVAILABLE");
    assertThat(available.recovery()).isEqualTo("AVAILABLE (from 2026-11-24T13:00:00Z)");
    assertThat(lookup(api, 100).resolve("not-ready", false).recovery())
        .isEqualTo("BACKUP_NOT_READY");
    // a 500 there is "not reported", never a failed lookup, and is not waited for
    Waits waits = new Waits();
    RenderDatabase erring = lookup(api, waits, null).resolve("erring", false);
    assertThat(erring.recoveryStatus()).isNull();
    assertThat(erring.recovery()).isEqualTo("not reported");
    assertThat(erring.target().password()).isEqualTo("pw-c");
    assertThat(waits.slept).isEmpty();
    // so is a 429 there
    api.add("dpg-lim-a", "limited", "pw-d", i -> i.withRecovery(FakeRenderApi.RECOVERY_LIMITED));
    assertThat(lookup(api, waits, null).resolve("limited", false).recovery())
        .isEqualTo("not reported");
    assertThat(waits.slept).isEmpty();
  }

  @Test
  void theSameNameInTwoWorkspacesOffersRenderOwnerWhichThenFindsIt() {
    FakeRenderApi api = api();
    api.add("dpg-w1-a", "pm-db", PASSWORD, i -> i.withOwner("tea-one"))
        .add("dpg-w2-a", "pm-db", "pw-two", i -> i.withOwner("tea-two"));

    ExitException e = failure(() -> lookup(api, 100).resolve("pm-db", false));
    assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
    assertThat(e.getMessage())
        .isEqualTo(
            "2 Render Postgres instances are named 'pm-db' (ids dpg-w1-a, dpg-w2-a, in workspaces"
                + " tea-one, tea-two): pass the id of the one you mean, e.g. --render-postgres"
                + " dpg-w1-a, or the workspace with --render-owner tea-one.");

    RenderDatabase two = lookup(api, new Waits(), "tea-two").resolve("pm-db", false);
    assertThat(two.id()).isEqualTo("dpg-w2-a");
    assertThat(api.requests()).anyMatch(r -> r.contains("&ownerId=tea-two"));
    // an id from another workspace than --render-owner names is not found there
    ExitException other =
        failure(() -> lookup(api, new Waits(), "tea-two").resolve("dpg-w1-a", false));
    assertThat(other.getMessage())
        .isEqualTo(
            "No Render Postgres instance named or with id 'dpg-w1-a' in workspace tea-two; the"
                + " instances there are: 'pm-db'.");
  }

  @Test
  void renderOwnerTakesOnlyAnId() {
    FakeRenderApi api = api();
    ExitException e = failure(() -> lookup(api, new Waits(), "tea one?").resolve("pm-db", false));
    assertThat(e.status()).isEqualTo(ExitStatus.USAGE);
    assertThat(e.getMessage()).startsWith("--render-owner takes a workspace id");
  }

  @Test
  void somethingOtherThanJsonIsNamedAsSuch() {
    FakeRenderApi api = api();
    api.answerAll(200, "<html>captive portal</html>");
    ExitException e = failure(() -> lookup(api, 100).resolve("pm-db", false));
    assertThat(e.getMessage()).contains("answered with something other than the documented JSON");
  }

  @Test
  void anUnreachableApiSaysSoQuickly() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    long start = System.nanoTime();
    ExitException e =
        failure(
            () ->
                lookup("http://127.0.0.1:" + port + "/v1", KEY, 100, Duration.ofSeconds(5))
                    .resolve("pm-db", false));
    assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
    assertThat(e.getMessage())
        .startsWith("Cannot reach the Render API at http://127.0.0.1:" + port + "/v1");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void anApiThatNeverAnswersTimesOut() throws Exception {
    // accepts connections and reads nothing, answers nothing
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    toClose.add(silent);
    List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  held.add(silent.accept());
                }
              } catch (Exception closed) {
                // the test is over
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();

    long start = System.nanoTime();
    ExitException e =
        failure(
            () ->
                lookup(
                        "http://127.0.0.1:" + silent.getLocalPort() + "/v1",
                        KEY,
                        100,
                        Duration.ofMillis(400))
                    .resolve("pm-db", false));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
    assertThat(e.getMessage())
        .isEqualTo(
            "The Render API at http://127.0.0.1:"
                + silent.getLocalPort()
                + "/v1 did not answer within 400ms (asking for the list of Postgres instances):"
                + " try again later; Render's status is at https://status.render.com.");
    assertThat(took)
        .isGreaterThanOrEqualTo(Duration.ofMillis(400))
        .isLessThan(Duration.ofSeconds(4));
    for (Socket s : held) {
      s.close();
    }
  }

  @Test
  void noKeyIsAUsageError() {
    assertThatThrownBy(() -> RenderLookup.fromEnv(Map.of("RENDER_API_URL", "https://x.test/v1")))
        .isInstanceOf(ExitException.class)
        .hasMessage(
            "Finding a Render database needs a Render API key: set RENDER_API_KEY (Render"
                + " dashboard: Account Settings, API Keys).")
        .satisfies(e -> assertThat(((ExitException) e).status()).isEqualTo(ExitStatus.USAGE));
    assertThatThrownBy(() -> RenderLookup.fromEnv(Map.of("RENDER_API_KEY", "  ")))
        .isInstanceOf(ExitException.class);
  }

  @Test
  void thePlainHttpApiIsOnlyForLoopback() {
    assertThatThrownBy(() -> lookup("http://api.render.com/v1", KEY, 100, Duration.ofSeconds(1)))
        .isInstanceOf(ExitException.class)
        .hasMessageContaining("plain http, which would send the API key unencrypted");
    assertThatThrownBy(() -> lookup("ftp://x/v1", KEY, 100, Duration.ofSeconds(1)))
        .hasMessageContaining("is not an http(s) URL");
    // the default base is accepted without any request being made
    RenderLookup.fromEnv(Map.of("RENDER_API_KEY", KEY));
  }

  @Test
  void aRemoteConnectionStringCannotWeakenTls() {
    FakeRenderApi api = api();
    api.add(
        new FakeRenderApi.Instance(
            "dpg-weak-a",
            "weak",
            "postgresql://u:"
                + PASSWORD
                + "@dpg-weak-a.oregon-postgres.render.com/db?sslmode=disable",
            "postgresql://u:" + PASSWORD + "@dpg-weak-a/db",
            PASSWORD));
    ExitException e = failure(() -> lookup(api, 100).resolve("weak", false));
    assertThat(e.status()).isEqualTo(ExitStatus.FAILURE);
    assertThat(e.getMessage())
        .startsWith("The Render API returned a connection string for 'weak' that cannot be used:")
        .contains("sslmode=disable is not allowed");
  }

  @Test
  void aLoopbackConnectionStringKeepsTheLoopbackDefault() {
    FakeRenderApi api = api();
    api.add(
        new FakeRenderApi.Instance(
            "dpg-local-a",
            "local",
            "postgres://u:" + PASSWORD + "@localhost:6543/db",
            "postgres://u:" + PASSWORD + "@localhost:6543/db",
            PASSWORD));
    RenderDatabase db = lookup(api, 100).resolve("local", false);
    assertThat(db.target().host()).isEqualTo("localhost");
    assertThat(db.target().port()).isEqualTo(6543);
    assertThat(db.target().sslMode()).isEqualTo("prefer");
  }

  @Test
  void theKeyAndThePasswordAreMaskedEverywhereOnceKnown() {
    FakeRenderApi api = api();
    api.add("dpg-m1-a", "pm-db", PASSWORD);
    lookup(api, 100).resolve("pm-db", false);
    // shapes the patterns do not recognise are masked because the values are now known
    assertThat(Redaction.redact("token" + KEY + " and pw " + PASSWORD + "."))
        .isEqualTo("token*** and pw ***.");
  }

  @Test
  void idsAreRecognisedByShape() {
    assertThat(RenderLookup.looksLikeId("dpg-d0abc123def-a")).isTrue();
    assertThat(RenderLookup.looksLikeId("dpg-cn1")).isTrue();
    assertThat(RenderLookup.looksLikeId("pm-db")).isFalse();
    assertThat(RenderLookup.looksLikeId("dpg-")).isFalse();
  }
}
