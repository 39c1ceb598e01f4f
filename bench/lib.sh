# bench/lib.sh: pieces shared by the benchmark scripts (sourced, not run). bench/live uses it;
# bench/run keeps its own copy of the same steps for now.
#
# Before sourcing, set `prog` (the script's name for messages). The functions use PGHOST, PGPORT,
# PGUSER and PGPASSWORD as the scripts export them, and set or read these globals:
#   psql_bin pg_dump_bin pgbench_bin   (pdr_find_clients)
#   started_server                     (pdr_connect: 1 when it started cluster 15 main)
#   all_tables kept_tables reset_tables fixture_sum (below and pdr_fixture_sum)

# The PM Agent schema's tables, and the policy that keeps users, api_keys and schema_migrations.
all_tables="schema_migrations users api_keys projects tags raw_notes epics entities entity_tags
entity_relationships entity_sources entity_events review_queue"
kept_tables="schema_migrations users api_keys"
reset_tables="$(for t in $all_tables; do [[ " $kept_tables " == *" $t "* ]] || echo "$t"; done | tr '\n' ' ')"
started_server=0

die() { echo "$prog: $*" >&2; exit 2; }

# psql, pg_dump and pgbench from PG_BIN, else the Debian PostgreSQL 15 directory, else the PATH.
pdr_find_clients() {
  if [ -z "${PG_BIN:-}" ] && [ -x /usr/lib/postgresql/15/bin/psql ]; then PG_BIN=/usr/lib/postgresql/15/bin; fi
  psql_bin="${PG_BIN:+$PG_BIN/}psql"
  pg_dump_bin="${PG_BIN:+$PG_BIN/}pg_dump"
  pgbench_bin="${PG_BIN:+$PG_BIN/}pgbench"
}

# True when this script may administer a local Debian cluster: root, a postgres user, pg_ctlcluster.
pdr_debian_root() {
  [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && command -v pg_ctlcluster >/dev/null
}

# psql as an administrator: the postgres OS user over the socket when we are root on a Debian
# server, else the benchmark role itself (which then needs CREATEDB).
admin_psql() {
  if pdr_debian_root; then
    env -u PGHOST -u PGUSER -u PGPASSWORD -u PGDATABASE runuser -u postgres -- "$psql_bin" -X -q \
      -v ON_ERROR_STOP=1 -p "$PGPORT" -d postgres "$@"
  else
    "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
  fi
}

# Connects as PGUSER; on Debian as root starts cluster "15 main" when it is down (started_server=1)
# and creates the role with PGPASSWORD.
pdr_connect() {
  if "$psql_bin" -X -d postgres -Atc 'select 1' >/dev/null 2>&1; then return 0; fi
  if pdr_debian_root && [ -d /etc/postgresql/15/main ]; then
    if ! pg_lsclusters -h 15 main 2>/dev/null | grep -q online; then
      echo "starting PostgreSQL cluster 15 main" >&2
      pg_ctlcluster 15 main start
      started_server=1
    fi
    admin_psql -c "DO \$\$BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PGUSER') THEN
          CREATE ROLE $PGUSER LOGIN;
        END IF;
      END\$\$;" \
      -c "ALTER ROLE $PGUSER LOGIN PASSWORD '$PGPASSWORD'" \
      -c "GRANT pg_checkpoint TO $PGUSER"
  fi
  "$psql_bin" -X -d postgres -Atc 'select 1' >/dev/null 2>&1 || die "cannot connect as $PGUSER to \
$PGHOST:$PGPORT. Start a PostgreSQL server and set PGHOST/PGPORT/PGUSER/PGPASSWORD to a role that \
may create databases (on Debian as root this script sets up cluster 15 main by itself)."
}

# psql -Atc on database $1.
qdb() { "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$1" -Atc "$2"; }

# The comment on database $1 ("" when it has none or does not exist).
pdr_db_comment() {
  "$psql_bin" -X -d postgres -Atc "SELECT coalesce(shobj_description(oid, 'pg_database'), '')
    FROM pg_database WHERE datname = '$1'" 2>/dev/null || true
}
pdr_db_exists() {
  [ "$("$psql_bin" -X -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}

# "table=count ..." for every PM Agent table of database $1, in a fixed order.
pdr_counts() {
  local sql="" t
  for t in $all_tables; do sql+="${sql:+ || ' ' || }'$t=' || (SELECT count(*) FROM public.$t)"; done
  qdb "$1" "SELECT $sql"
}

# The fixture's short checksum (schema.sql + data.sql in directory $1): part of a database's stamp.
pdr_fixture_sum() { cat "$1/schema.sql" "$1/data.sql" | sha256sum | cut -c1-16; }

# Drops database $1 if it exists and creates it again, empty or (with $2) a copy of template $2,
# owned by PGUSER (as the cluster's superuser on Debian as root, else as PGUSER itself).
pdr_recreate_db() {
  local db="$1" template="${2:+ TEMPLATE $2}"
  if pdr_debian_root; then
    admin_psql -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db$template OWNER $PGUSER"
  else
    "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" \
      -c "CREATE DATABASE $db$template"
  fi
}

# Builds database $1 from the PM Agent fixture in $2 at scale $3 and stamps it with a comment
# "pm-agent scale=N fixture=SUM rows:t=n ..." (the format bench/run uses), dropping $1 first.
pdr_build_fixture() {
  local db="$1" fixtures="$2" scale="$3" start=$SECONDS counts
  echo "building $db from $fixtures at scale=$scale (takes a few minutes)..." >&2
  pdr_recreate_db "$db"
  # data.sql ends with a database-wide ANALYZE whose warnings about shared catalogs are noise.
  (cd "$fixtures" && PGOPTIONS="-c client_min_messages=error" "$psql_bin" -X -q -v ON_ERROR_STOP=1 \
    -v scale="$scale" -d "$db" -f schema.sql -f data.sql) >/dev/null
  counts="$(pdr_counts "$db")"
  qdb "$db" "COMMENT ON DATABASE $db IS 'pm-agent scale=$scale fixture=$(pdr_fixture_sum "$fixtures") rows:$counts'"
  echo "built in $((SECONDS - start)) s" >&2
}

# Median, nearest-rank 99th percentile and maximum of numbers on stdin (one a line), and how many:
# prints "n median p99 max" ("0 nan nan nan" when there are none).
pdr_stats() {
  sort -g | awk '{a[NR] = $1}
    END {
      if (NR == 0) { print "0 nan nan nan"; exit }
      med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
      k = int(0.99 * NR); if (k < 0.99 * NR) k++; if (k < 1) k = 1
      print NR, med, a[k], a[NR]
    }'
}
# Median of numbers on stdin ("nan" when none).
pdr_median() { pdr_stats | cut -d' ' -f2; }

# Makes database $2 a copy of $1 with an index on every foreign-key column that lacks one, as a
# production schema that deletes rows would have (the PM Agent fixture indexes almost none: deleting
# a parent row then makes PostgreSQL's foreign-key trigger scan the whole child table per row).
pdr_fk_index_copy() {
  local from="$1" to="$2" stmt
  echo "making $to: $from with an index on every foreign-key column" >&2
  pdr_recreate_db "$to" "$from"
  qdb "$to" "SELECT format('CREATE INDEX ON %s (%s)', c.conrelid::regclass,
      string_agg(quote_ident(a.attname), ', ' ORDER BY k.n))
    FROM pg_constraint c CROSS JOIN unnest(c.conkey) WITH ORDINALITY k(attnum, n)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
    WHERE c.contype = 'f' AND NOT EXISTS (SELECT 1 FROM pg_index i
      WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
    GROUP BY c.oid, c.conrelid" | while read -r stmt; do qdb "$to" "$stmt"; done
  PGOPTIONS="-c client_min_messages=error" qdb "$to" "ANALYZE"
}
